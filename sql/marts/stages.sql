-- one row per stage in journey order (Unmapped last, only when some touchpoint matched no stage)
with customer_stages as (
    select * from int_customer_stages
),

rules as (
    select distinct stage, stage_order from config_stages
),

settings as (
    select * from config_settings
),

furthest as (
    -- the latest stage (in journey order) each customer ever reached, Unmapped not counted (already computed)
    select customer_no, furthest_stage_order as max_stage_order from int_customer_stage_order
),

reach_counts as (
    -- seconds from the customer's first event of all to their first event in the stage, counted
    select cs.stage_order as key, epoch(cs.first_at) - epoch(c.first_at) as value, count(*) as n
    from customer_stages as cs
    inner join int_customer_paths as c on c.customer_no = cs.customer_no
    group by all
),

reach_time as (
    -- exact quantiles from the counts (sql/macros/quantiles_from_counts.sql: spills, unlike median())
    select key as stage_order, median / 3600.0 as median_hours_to_reach, p90 / 3600.0 as p90_hours_to_reach
    from quantiles_from_counts('reach_counts')
),

next_counts as (
    -- hours from the first event in the stage to the first event of a later stage, counted
    select stage_order as key, hours_to_next_stage as value, count(*) as n from int_customer_stage_next group by all
),

next_time as (
    select key as stage_order, median as median_hours_to_next_stage, p90 as p90_hours_to_next_stage
    from quantiles_from_counts('next_counts')
),

per_stage as (
    -- by stage number only: all_stages names them
    select
        cs.stage_order,
        count(*) as customers,
        count(*) filter (where f.max_stage_order <= cs.stage_order) as customers_dropped,
    from customer_stages as cs
    left join furthest as f on f.customer_no = cs.customer_no
    group by cs.stage_order
),

all_stages as (
    select stage, stage_order from rules
    union all
    select unmapped_stage as stage, unmapped_stage_order as stage_order
    from settings
    where exists (select 1 from per_stage, settings where per_stage.stage_order = settings.unmapped_stage_order)
),

tickets_about as (
    -- a ticket counts toward the stage of the touchpoint it is about (else its own stage)
    select
        experience_stage_order as stage_order,
        count(*) as n_tickets,
        avg(sentiment) as sentiment_mean,
        stddev_samp(sentiment) as sentiment_sd,
    from int_ticket_sentiment
    group by experience_stage_order
),

last_order as (
    select max(stage_order) as stage_order from rules
),

final as (
    select
        a.stage,
        a.stage_order,
        coalesce(p.customers, 0) as customers,
        case
            when a.stage_order >= (select stage_order from last_order) then null
            when coalesce(p.customers, 0) = 0 then null
            else p.customers_dropped / p.customers
        end as drop_off_rate,
        nt.median_hours_to_next_stage,
        nt.p90_hours_to_next_stage,
        rt.median_hours_to_reach,
        rt.p90_hours_to_reach,
        coalesce(t.n_tickets, 0) as n_tickets,
        t.sentiment_mean,
        t.sentiment_mean - 1.96 * t.sentiment_sd / sqrt(t.n_tickets) as sentiment_ci_low,
        t.sentiment_mean + 1.96 * t.sentiment_sd / sqrt(t.n_tickets) as sentiment_ci_high,
        a.stage_order > (select stage_order from last_order) as is_unmapped,
    from all_stages as a
    left join per_stage as p on p.stage_order = a.stage_order
    left join tickets_about as t on t.stage_order = a.stage_order
    left join reach_time as rt on rt.stage_order = a.stage_order
    left join next_time as nt on nt.stage_order = a.stage_order
)

select * from final order by stage_order
