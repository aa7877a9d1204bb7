-- one row per persona view, stage and time bin: how long customers took from their first event in the stage
-- to their first event in a later stage (log-spaced bins), with the stage's median and p90 on every row.
-- Each customer is counted once, in their own persona; "All customers" is the sum of the personas' bins, and its
-- median and p90 are the `stages` mart's (the same gaps). Joining every gap to both views doubled the rows that
-- the quantiles sort: 44 s at 111M events.
with bins as (
    -- log-spaced bins by their lower bound in hours; a gap falls in the last bin whose bound it reaches
    select * from (values
        (1, '< 1 min', 0.0), (2, '1–10 min', 1 / 60.0), (3, '10–60 min', 1 / 6.0), (4, '1–6 h', 1.0),
        (5, '6–24 h', 6.0), (6, '1–7 days', 24.0), (7, '> 7 days', 168.0)
    ) as b(bin_order, bin, low_hours)
),

gaps as (
    select
        customer_no,
        stage_order,
        hours_to_next_stage as hours,
        len(list_filter(
            (select list(low_hours order by bin_order) from bins), lambda low: low <= hours_to_next_stage
        )) as bin_order,
    from int_customer_stage_next
),

personas as (
    select persona_id, label from personas
),

stage_names as (
    select distinct stage, stage_order from int_touchpoint_stages
),

per_persona as (
    -- by persona and stage number; the grouped rows are named after (grouping by the label and stage strings
    -- cost ~0.3 s more at 11M events)
    select m.persona_id, g.stage_order, g.hours, g.bin_order
    from gaps as g
    inner join customer_personas as m on m.customer_no = g.customer_no
),

hour_counts as (
    select {persona_id: persona_id, stage_order: stage_order} as key, hours as value, count(*) as n
    from per_persona
    group by all
),

persona_quantiles as (
    -- exact, from the counts (sql/macros/quantiles_from_counts.sql: spills, unlike median())
    select p.label as persona, s.stage, q.median as median_hours, q.p90 as p90_hours
    from quantiles_from_counts('hour_counts') as q
    inner join personas as p on p.persona_id = q.key.persona_id
    inner join stage_names as s on s.stage_order = q.key.stage_order
),

persona_bins as (
    select p.label as persona, s.stage, b.stage_order, b.bin_order, b.customers
    from (
        select persona_id, stage_order, bin_order, count(*) as customers
        from per_persona
        group by persona_id, stage_order, bin_order
    ) as b
    inner join personas as p on p.persona_id = b.persona_id
    inner join stage_names as s on s.stage_order = b.stage_order
),

all_bins as (
    select 'All customers' as persona, stage, stage_order, bin_order, sum(customers)::bigint as customers
    from persona_bins
    group by stage, stage_order, bin_order
),

quantiles as (
    select persona, stage, median_hours, p90_hours from persona_quantiles
    union all
    select 'All customers' as persona, stage, median_hours_to_next_stage, p90_hours_to_next_stage from stages
),

counted as (
    select * from persona_bins
    union all
    select * from all_bins
),

final as (
    select
        c.persona,
        c.stage,
        c.stage_order,
        b.bin,
        c.bin_order,
        c.customers,
        c.customers / sum(c.customers) over (partition by c.persona, c.stage) as share,
        q.median_hours,
        q.p90_hours,
    from counted as c
    inner join bins as b on b.bin_order = c.bin_order
    inner join quantiles as q on q.persona = c.persona and q.stage = c.stage
)

select * from final order by persona, stage_order, bin_order
