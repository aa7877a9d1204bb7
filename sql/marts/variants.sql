-- one row per distinct touchpoint sequence (variant), most frequent first, with cumulative coverage;
-- is_shown marks the top variants a report lists: until variant_coverage of customers, at most max_variants
with paths as (
    select * from int_customer_paths
),

settings as (
    select * from config_settings
),

counted as (
    select path, count(*) as customers, min(n_events) as n_steps
    from paths
    group by path
),

ranked as (
    select
        row_number() over (order by customers desc, n_steps, array_to_string(path, ' > ')) as variant_rank,
        path,
        array_to_string(path, ' > ') as path_text,
        n_steps,
        customers,
        customers / sum(customers) over () as share,
    from counted
),

with_coverage as (
    select
        *,
        sum(share) over (order by variant_rank rows between unbounded preceding and current row) as cumulative_share,
    from ranked
),

final as (
    select
        *,
        variant_rank <= (select max_variants from settings)
            and cumulative_share - share < (select variant_coverage from settings) as is_shown,
    from with_coverage
)

select * from final order by variant_rank
