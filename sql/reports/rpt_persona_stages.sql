-- one row per persona per stage: its own funnel (reach, drop-off) and emotion curve (ticket sentiment)
with personas as (
    select persona_id, label from personas
),

members as (
    select customer_id, persona_id from customer_personas
),

stages as (
    select distinct stage, stage_order from config_stages
),

reach as (
    -- each persona's reach and drop-off, counted in the funnel
    select persona_order as persona_id, stage_order, customers, drop_off_rate
    from rpt_funnel
    where persona <> 'All customers'
),

feelings as (
    select m.persona_id, t.experience_stage_order as stage_order, count(*) as n_tickets, avg(t.sentiment) as sentiment_mean
    from int_ticket_sentiment as t
    inner join members as m on m.customer_id = t.customer_id
    group by m.persona_id, t.experience_stage_order
),

final as (
    select
        p.persona_id,
        p.label,
        s.stage,
        s.stage_order,
        coalesce(r.customers, 0) as customers,
        r.drop_off_rate,
        coalesce(fe.n_tickets, 0) as n_tickets,
        fe.sentiment_mean,
    from personas as p
    cross join stages as s
    left join reach as r on r.persona_id = p.persona_id and r.stage_order = s.stage_order
    left join feelings as fe on fe.persona_id = p.persona_id and fe.stage_order = s.stage_order
)

select * from final order by persona_id, stage_order
