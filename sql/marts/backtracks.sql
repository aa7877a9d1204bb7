-- one row per touchpoint that customers stepped back to from a later stage (Unmapped on either side ignored)
with pairs as (
    select * from int_transitions
),

settings as (
    select * from config_settings
),

back as (
    select *
    from pairs
    where to_stage_order < from_stage_order
        and from_stage_order < (select unmapped_stage_order from settings)
),

all_customers as (
    select count(*) as n from int_customer_paths
),

final as (
    select
        to_touchpoint as touchpoint,
        any_value(to_stage) as stage,
        count(*) as n_backsteps,
        count(distinct customer_no) as customers,
        count(distinct customer_no) / (select n from all_customers) as share,
        list(distinct from_stage order by from_stage) as from_stages,
    from back
    group by to_touchpoint
)

select * from final order by customers desc, touchpoint
