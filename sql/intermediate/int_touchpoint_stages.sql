-- one row per distinct touchpoint: the first stage (in journey order) whose pattern matches it, else Unmapped;
-- touchpoint_no numbers the touchpoints 1, 2, … in name order (this run's key: journey_events and the
-- per-customer tables carry the number, not the name, through their sorts and groupings)
with touchpoints as (
    select distinct touchpoint from raw_clickstream
    union
    select distinct touchpoint from stg_tickets
),

rules as (
    select * from config_stages
),

settings as (
    select * from config_settings
),

matches as (
    select
        t.touchpoint,
        r.stage,
        r.stage_order,
        row_number() over (partition by t.touchpoint order by r.stage_order, r.pattern_order) as n_match,
    from touchpoints as t
    inner join rules as r on t.touchpoint glob r.pattern
),

final as (
    select
        t.touchpoint,
        coalesce(m.stage, s.unmapped_stage) as stage,
        coalesce(m.stage_order, s.unmapped_stage_order) as stage_order,
        m.stage is null as is_unmapped,
        (row_number() over (order by t.touchpoint))::integer as touchpoint_no,
    from touchpoints as t
    cross join settings as s
    left join matches as m on m.touchpoint = t.touchpoint and m.n_match = 1
)

select * from final
