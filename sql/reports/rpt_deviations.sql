-- one row per deviation from the assumed journey (skipped step, inserted touchpoint, back-step), largest first
with alignment_deviations as (
    select
        kind,
        touchpoint,
        customers,
        share,
        case
            when kind = 'skipped' then 'an assumed step these customers never did'
            else 'done where the assumed journey has no place for it'
        end as detail,
    from conformance_deviations
),

backsteps as (
    select
        'backtrack' as kind,
        touchpoint,
        customers,
        share,
        'back to ' || stage || ' from ' || array_to_string(from_stages, ', ') as detail,
    from backtracks
),

unioned as (
    select * from alignment_deviations
    union all
    select * from backsteps
),

final as (
    select
        row_number() over (order by customers desc, kind, touchpoint) as deviation_rank,
        kind,
        touchpoint,
        customers,
        share,
        detail,
    from unioned
)

select * from final order by deviation_rank
