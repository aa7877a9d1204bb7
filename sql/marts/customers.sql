-- one row per customer: the case in numbers (customer_no: the number the per-customer tables key on)
with paths as (
    select * from int_customer_paths
),

per_customer as (
    select customer_no, n_clicks, n_tickets, n_sessions from int_customer_activity
),

stage_order as (
    -- customers with no mapped event have no row: their furthest stage is null
    select customer_no, furthest_stage_order from int_customer_stage_order
),

variant_ranks as (
    select variant_rank, path_nos, path from variants
),

final as (
    select
        k.customer_id,
        p.customer_no,
        v.variant_rank,
        p.first_at,
        p.last_at,
        p.n_events,
        c.n_clicks,
        c.n_tickets,
        c.n_sessions,
        o.furthest_stage_order,
        v.path,
    from paths as p
    inner join int_customer_keys as k on k.customer_no = p.customer_no
    inner join per_customer as c on c.customer_no = p.customer_no
    inner join variant_ranks as v on v.path_nos = p.path_nos
    left join stage_order as o on o.customer_no = p.customer_no
)

select * from final
