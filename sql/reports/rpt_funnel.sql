-- one row per persona view and stage: customers who reached it, share of the view, and drop-off
with views as (
    select * from rpt_persona_members
),

stages as (
    select distinct stage, stage_order from config_stages
),

members as (
    select customer_no, persona_id from customer_personas
),

personas as (
    select persona_id, label from personas
),

persona_reach as (
    -- each customer is in exactly one persona: a persona's counts are its own, all customers' the sums;
    -- grouped by the persona's number, named after
    select p.label as persona, g.stage_order, g.customers, g.dropped
    from (
        select m.persona_id, cs.stage_order, count(*) as customers,
            count(*) filter (where f.furthest_stage_order <= cs.stage_order) as dropped
        from int_customer_stages as cs
        inner join members as m on m.customer_no = cs.customer_no
        left join int_customer_stage_order as f on f.customer_no = cs.customer_no
        group by m.persona_id, cs.stage_order
    ) as g
    inner join personas as p on p.persona_id = g.persona_id
),

reach as (
    select v.persona, r.stage_order, sum(r.customers) as customers, sum(r.dropped) as dropped
    from persona_reach as r
    inner join (select distinct persona from views) as v on v.persona in (r.persona, 'All customers')
    group by v.persona, r.stage_order
),

sizes as (
    select persona, persona_order, count(*) as view_customers from views group by persona, persona_order
)

select
    z.persona,
    z.persona_order,
    s.stage,
    s.stage_order,
    coalesce(r.customers, 0)::bigint as customers,
    coalesce(r.customers, 0) / z.view_customers as share_of_customers,
    case when s.stage_order < (select max(stage_order) from stages) and r.customers > 0 then r.dropped / r.customers end
        as drop_off_rate,
from sizes as z
cross join stages as s
left join reach as r on r.persona = z.persona and r.stage_order = s.stage_order
order by z.persona_order, s.stage_order
