-- one row per distinct touchpoint sequence (variant), most frequent first
with paths as (
    select * from int_customer_paths
),

counted as (
    select path, count(*) as customers, min(n_events) as n_steps
    from paths
    group by path
),

final as (
    select
        row_number() over (order by customers desc, n_steps, array_to_string(path, ' > ')) as variant_rank,
        path,
        array_to_string(path, ' > ') as path_text,
        n_steps,
        customers,
        customers / sum(customers) over () as share,
    from counted
)

select * from final order by variant_rank
