-- one row per pair of stages (from -> to) that follow each other directly within a case
with pairs as (
    select * from int_transitions where from_stage <> to_stage
),

settings as (
    select * from config_settings
),

final as (
    select
        from_stage,
        to_stage,
        any_value(from_stage_order) as from_stage_order,
        any_value(to_stage_order) as to_stage_order,
        count(*) as n_transitions,
        count(distinct customer_id) as customers,
        median(seconds_between) / 3600.0 as median_hours,
        quantile_cont(seconds_between, 0.9) / 3600.0 as p90_hours,
        case
            when any_value(from_stage_order) = (select unmapped_stage_order from settings)
                or any_value(to_stage_order) = (select unmapped_stage_order from settings) then 'unmapped'
            when any_value(to_stage_order) < any_value(from_stage_order) then 'back'
            when any_value(to_stage_order) = any_value(from_stage_order) + 1 then 'next'
            else 'skip ahead'
        end as direction,
    from pairs
    group by from_stage, to_stage
)

select * from final order by from_stage_order, to_stage_order
