-- one row per customer: the case in numbers
with paths as (
    select * from int_customer_paths
),

per_customer as (
    select customer_id, n_clicks, n_tickets, n_sessions from int_customer_activity
),

stage_order as (
    -- customers with no mapped event have no row: their furthest stage is null
    select customer_id, furthest_stage_order from int_customer_stage_order
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
        o.furthest_stage_order,
        p.path,
    from paths as p
    inner join per_customer as c on c.customer_id = p.customer_id
    inner join variant_ranks as v on v.path = p.path
    left join stage_order as o on o.customer_id = p.customer_id
)

select * from final
