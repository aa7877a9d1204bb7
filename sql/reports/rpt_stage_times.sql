-- one row per persona view, stage and time bin: how long customers took from their first event in the stage
-- to their first event in a later stage (log-spaced bins), with the stage's median and p90 on every row
with views as (
    select * from rpt_persona_members
),

gaps as (
    select customer_id, stage, stage_order, hours_to_next_stage as hours from int_customer_stage_next
),

bins as (
    select * from (values
        (1, '< 1 min', 0.0, 1 / 60.0), (2, '1–10 min', 1 / 60.0, 1 / 6.0), (3, '10–60 min', 1 / 6.0, 1.0),
        (4, '1–6 h', 1.0, 6.0), (5, '6–24 h', 6.0, 24.0), (6, '1–7 days', 24.0, 168.0), (7, '> 7 days', 168.0, 1e9)
    ) as b(bin_order, bin, low_hours, high_hours)
),

per_view as (
    select v.persona, g.stage, g.stage_order, g.hours
    from gaps as g
    inner join views as v on v.customer_id = g.customer_id
),

hour_counts as (
    select {persona: persona, stage: stage} as key, hours as value, count(*) as n from per_view group by all
),

quantiles as (
    -- exact, from the counts (sql/macros/quantiles_from_counts.sql: spills, unlike median())
    select key.persona as persona, key.stage as stage, median as median_hours, p90 as p90_hours, n_values as n
    from quantiles_from_counts('hour_counts')
)

select
    p.persona,
    p.stage,
    any_value(p.stage_order) as stage_order,
    b.bin,
    b.bin_order,
    count(*) as customers,
    count(*) / any_value(q.n) as share,
    any_value(q.median_hours) as median_hours,
    any_value(q.p90_hours) as p90_hours,
from per_view as p
inner join bins as b on p.hours >= b.low_hours and p.hours < b.high_hours
inner join quantiles as q on q.persona = p.persona and q.stage = p.stage
group by p.persona, p.stage, b.bin, b.bin_order
order by p.persona, stage_order, b.bin_order
