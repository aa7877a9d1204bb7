-- one row per persona view and stage: the emotion curve (mean ticket sentiment with its 95% interval and
-- the tickets behind it) and the customers who reached the stage
with views as (
    select * from rpt_persona_members
),

stages as (
    select distinct stage, stage_order from config_stages
),

reach as (
    -- counted once per persona, and summed for all customers, in the funnel
    select persona, stage_order, customers from rpt_funnel
),

feelings as (
    select
        v.persona,
        t.experience_stage_order as stage_order,
        count(*) as n_tickets,
        avg(t.sentiment) as sentiment_mean,
        stddev_samp(t.sentiment) as sentiment_sd,
    from int_ticket_sentiment as t
    inner join views as v on v.customer_id = t.customer_id
    group by v.persona, t.experience_stage_order
),

persona_views as (
    select distinct persona, persona_order from views
)

select
    p.persona,
    p.persona_order,
    s.stage,
    s.stage_order,
    coalesce(r.customers, 0) as customers,
    coalesce(f.n_tickets, 0) as n_tickets,
    f.sentiment_mean,
    f.sentiment_mean - 1.96 * f.sentiment_sd / sqrt(f.n_tickets) as sentiment_ci_low,
    f.sentiment_mean + 1.96 * f.sentiment_sd / sqrt(f.n_tickets) as sentiment_ci_high,
from persona_views as p
cross join stages as s
left join reach as r on r.persona = p.persona and r.stage_order = s.stage_order
left join feelings as f on f.persona = p.persona and f.stage_order = s.stage_order
order by p.persona_order, s.stage_order
