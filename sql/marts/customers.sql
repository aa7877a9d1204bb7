-- one row per customer: the case in numbers
with paths as (
    select * from int_customer_paths
),

events as (
    select * from journey_events
),

per_customer as (
    select
        customer_id,
        count(*) filter (where source = 'clickstream') as n_clicks,
        count(*) filter (where source = 'tickets') as n_tickets,
        count(distinct session_id) as n_sessions,
        max(stage_order) filter (where stage <> (select unmapped_stage from config_settings)) as furthest_stage_order,
    from events
    group by customer_id
),

variant_ranks as (
    select variant_rank, path from variants
),

final as (
    select
        p.customer_id,
        v.variant_rank,
        p.first_at,
        p.last_at,
        p.n_events,
        c.n_clicks,
        c.n_tickets,
        c.n_sessions,
        c.furthest_stage_order,
        p.path,
    from paths as p
    inner join per_customer as c on c.customer_id = p.customer_id
    inner join variant_ranks as v on v.path = p.path
)

select * from final
