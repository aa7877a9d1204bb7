-- one row per directly-follows edge, start or end activity, for the whole journey and for each stage
-- (a stage's paths are its runs of consecutive events); is_kept applies the noise threshold: an edge stays
-- when it is at least noise_threshold times its source's strongest outgoing edge (starts and ends likewise
-- against the strongest start or end)
with pairs as (
    select * from int_transitions
),

events as (
    select
        customer_id,
        event_seq,
        touchpoint,
        stage,
        lag(stage) over w as previous_stage,
        lead(stage) over w as next_stage,
        lag(touchpoint) over w as previous_touchpoint,
        lead(touchpoint) over w as next_touchpoint,
    from journey_events
    window w as (partition by customer_id order by event_seq)
),

settings as (
    select * from config_settings
),

raw as (
    select 'journey' as scope, 'edge' as kind, from_touchpoint, to_touchpoint, count(*) as n
    from pairs group by from_touchpoint, to_touchpoint
    union all
    select 'journey', 'start', null, touchpoint, count(*) from events where previous_touchpoint is null group by touchpoint
    union all
    select 'journey', 'end', touchpoint, null, count(*) from events where next_touchpoint is null group by touchpoint
    union all
    select from_stage, 'edge', from_touchpoint, to_touchpoint, count(*)
    from pairs where from_stage = to_stage group by from_stage, from_touchpoint, to_touchpoint
    union all
    select stage, 'start', null, touchpoint, count(*)
    from events where previous_stage is null or previous_stage <> stage group by stage, touchpoint
    union all
    select stage, 'end', touchpoint, null, count(*)
    from events where next_stage is null or next_stage <> stage group by stage, touchpoint
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
