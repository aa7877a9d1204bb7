-- one row per touchpoint: its stage, reach, tickets about it, repeat visits (loops) and back-steps into it
-- visits and self-loops per customer come from the intermediate tables that already grouped them by customer
-- (grouping the events and pairs again took 1 s at 11M events)
with visits as (
    select customer_no, touchpoint_no, n_events as n_visits from int_customer_touchpoints
),

stages as (
    select * from int_touchpoint_stages
),

customer_pairs as (
    select * from int_customer_transitions
),

reach as (
    select
        touchpoint_no,
        sum(n_visits)::bigint as events,
        count(*) as customers,
        count(*) filter (where n_visits > 1) as repeat_customers,
    from visits
    group by touchpoint_no
),

self_loops as (
    select from_touchpoint_no as touchpoint_no, sum(n_transitions)::bigint as n_self_loops
    from customer_pairs
    where from_touchpoint_no = to_touchpoint_no
    group by from_touchpoint_no
),

back as (
    select touchpoint, customers as backtrack_customers from backtracks
),

tickets_about as (
    select
        about_touchpoint as touchpoint,
        count(*) as tickets,
        count(*) filter (where is_negative) as negative_tickets,
        avg(sentiment) as sentiment_mean,
    from int_ticket_sentiment
    where about_touchpoint is not null
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
        coalesce(t.negative_tickets, 0) as negative_tickets,
        t.sentiment_mean,
        coalesce(r.repeat_customers, 0) as repeat_customers,
        case when r.customers > 0 then r.repeat_customers / r.customers end as loop_rate,
        coalesce(l.n_self_loops, 0) as n_self_loops,
        coalesce(b.backtrack_customers, 0) as backtrack_customers,
        s.is_unmapped,
    from stages as s
    left join reach as r on r.touchpoint_no = s.touchpoint_no
    left join tickets_about as t on t.touchpoint = s.touchpoint
    left join self_loops as l on l.touchpoint_no = s.touchpoint_no
    left join back as b on b.touchpoint = s.touchpoint
)

select * from final order by stage_order, customers desc, touchpoint
