-- one row per directly-follows pair (from -> to) within a case, both sources together
with pairs as (
    select * from int_transitions
),

final as (
    select
        from_touchpoint,
        to_touchpoint,
        count(*) as n_transitions,
        count(distinct customer_id) as customers,
        median(seconds_between) / 3600.0 as median_hours,
        quantile_cont(seconds_between, 0.9) / 3600.0 as p90_hours,
        any_value(from_stage) as from_stage,
        any_value(to_stage) as to_stage,
        case
            when any_value(to_stage_order) < any_value(from_stage_order) then 'back'
            when any_value(to_stage_order) > any_value(from_stage_order) then 'forward'
            else 'within'
        end as direction,
    from pairs
    group by from_touchpoint, to_touchpoint
)

select * from final order by n_transitions desc, from_touchpoint, to_touchpoint
