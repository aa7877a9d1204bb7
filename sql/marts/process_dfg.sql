-- one row per directly-follows edge, start or end activity, for the whole journey and for each stage
-- (a stage's paths are its runs of consecutive events); is_kept applies the noise threshold: an edge stays
-- when it is at least noise_threshold times its source's strongest outgoing edge (starts and ends likewise
-- against the strongest start or end)
with pairs as (
    select from_touchpoint_no, to_touchpoint_no, from_stage_order, to_stage_order from int_transitions
),

names as (
    select touchpoint_no, touchpoint, stage from int_touchpoint_stages
),

ends as (
    -- each case's first and last touchpoint, from its path (no second sort of the event table)
    select f.touchpoint_no as first_no, l.touchpoint_no as last_no,
    from int_customer_paths as p
    inner join names as f on f.touchpoint_no = p.path_nos[1]
    inner join names as l on l.touchpoint_no = p.path_nos[len(p.path_nos)]
),

settings as (
    select * from config_settings
),

counted as (
    -- by touchpoint number; a stage's edges, starts and ends are its touchpoints' (a touchpoint has one stage),
    -- named below (grouping 10M pairs by their names took ~0.1 s more at 11M events)
    select false as in_stage, 'edge' as kind, from_touchpoint_no as from_no, to_touchpoint_no as to_no, count(*) as n
    from pairs group by from_touchpoint_no, to_touchpoint_no
    union all
    select false, 'start', null, first_no, count(*) from ends group by first_no
    union all
    select false, 'end', last_no, null, count(*) from ends group by last_no
    union all
    select true, 'edge', from_touchpoint_no, to_touchpoint_no, count(*)
    from pairs where from_stage_order = to_stage_order group by from_touchpoint_no, to_touchpoint_no
    union all
    -- a stage run starts at a case's first event or where the stage changes, and ends at its last or before one
    select true, 'start', null, touchpoint_no, count(*) from (
        select first_no as touchpoint_no from ends
        union all
        select to_touchpoint_no from pairs where from_stage_order <> to_stage_order
    )
    group by touchpoint_no
    union all
    select true, 'end', touchpoint_no, null, count(*) from (
        select last_no as touchpoint_no from ends
        union all
        select from_touchpoint_no from pairs where from_stage_order <> to_stage_order
    )
    group by touchpoint_no
),

raw as (
    select
        case when c.in_stage then coalesce(f.stage, t.stage) else 'journey' end as scope,
        c.kind,
        f.touchpoint as from_touchpoint,
        t.touchpoint as to_touchpoint,
        c.n,
    from counted as c
    left join names as f on f.touchpoint_no = c.from_no
    left join names as t on t.touchpoint_no = c.to_no
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
