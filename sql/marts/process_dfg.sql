-- one row per directly-follows edge, start or end activity, for the whole journey and for each stage
-- (a stage's paths are its runs of consecutive events); is_kept applies the noise threshold: an edge stays
-- when it is at least noise_threshold times its source's strongest outgoing edge (starts and ends likewise
-- against the strongest start or end)
with pairs as (
    select * from int_transitions
),

ends as (
    -- each case's first and last touchpoint, from its path (no second sort of the event table)
    select
        p.path[1] as first_touchpoint,
        f.stage as first_stage,
        p.path[len(p.path)] as last_touchpoint,
        l.stage as last_stage,
    from int_customer_paths as p
    inner join int_touchpoint_stages as f on f.touchpoint = p.path[1]
    inner join int_touchpoint_stages as l on l.touchpoint = p.path[len(p.path)]
),

settings as (
    select * from config_settings
),

raw as (
    select 'journey' as scope, 'edge' as kind, from_touchpoint, to_touchpoint, count(*) as n
    from pairs group by from_touchpoint, to_touchpoint
    union all
    select 'journey', 'start', null, first_touchpoint, count(*) from ends group by first_touchpoint
    union all
    select 'journey', 'end', last_touchpoint, null, count(*) from ends group by last_touchpoint
    union all
    select from_stage, 'edge', from_touchpoint, to_touchpoint, count(*)
    from pairs where from_stage = to_stage group by from_stage, from_touchpoint, to_touchpoint
    union all
    -- a stage run starts at a case's first event or where the stage changes, and ends at its last or before one
    select stage, 'start', null, touchpoint, count(*) from (
        select first_stage as stage, first_touchpoint as touchpoint from ends
        union all
        select to_stage, to_touchpoint from pairs where from_stage <> to_stage
    )
    group by stage, touchpoint
    union all
    select stage, 'end', touchpoint, null, count(*) from (
        select last_stage as stage, last_touchpoint as touchpoint from ends
        union all
        select from_stage, from_touchpoint from pairs where from_stage <> to_stage
    )
    group by stage, touchpoint
),

strongest as (
    select
        *,
        case
            when kind = 'edge' then max(n) over (partition by scope, kind, from_touchpoint)
            else max(n) over (partition by scope, kind)
        end as strongest_n,
    from raw
),

final as (
    select
        scope,
        kind,
        from_touchpoint,
        to_touchpoint,
        n,
        n >= (select noise_threshold from settings) * strongest_n as is_kept,
    from strongest
)

select * from final order by scope, kind, n desc, from_touchpoint, to_touchpoint
