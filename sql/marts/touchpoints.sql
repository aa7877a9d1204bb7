-- one row per touchpoint: its stage, events, customers, and tickets about it
with events as (
    select * from journey_events
),

stages as (
    select * from int_touchpoint_stages
),

reach as (
    select touchpoint, count(*) as events, count(distinct customer_id) as customers
    from events
    group by touchpoint
),

tickets_about as (
    select about_touchpoint as touchpoint, count(*) as tickets
    from events
    where source = 'tickets' and about_touchpoint is not null
    group by about_touchpoint
),

final as (
    select
        s.touchpoint,
        s.stage,
        s.stage_order,
        coalesce(r.events, 0) as events,
        coalesce(r.customers, 0) as customers,
        coalesce(t.tickets, 0) as tickets,
        cast(null as double) as sentiment_mean,
        s.is_unmapped,
    from stages as s
    left join reach as r on r.touchpoint = s.touchpoint
    left join tickets_about as t on t.touchpoint = s.touchpoint
)

select * from final order by stage_order, customers desc, touchpoint
