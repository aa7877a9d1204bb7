-- one row per persona view and the directly-follows pairs drawn in the assumed-vs-actual diagram (the 40 with
-- most customers per view): both ends' positions, customers, and whether the assumed journey has the step
with views as (
    select * from rpt_persona_members
),

nodes as (
    select * from rpt_flow_nodes
),

steps as (
    select * from config_assumed_steps
),

members as (
    select customer_no, persona_id from customer_personas
),

personas as (
    select persona_id, label from personas
),

names as (
    select touchpoint_no, touchpoint from int_touchpoint_stages
),

persona_pairs as (
    -- each customer is in exactly one persona: a persona's count is its own, all customers' the sum;
    -- grouped by the persona's and the touchpoints' numbers, named after
    select pn.label as persona, f.touchpoint as from_touchpoint, t.touchpoint as to_touchpoint, p.customers
    from (
        select m.persona_id, c.from_touchpoint_no, c.to_touchpoint_no, count(*) as customers
        from int_customer_transitions as c
        inner join members as m on m.customer_no = c.customer_no
        group by m.persona_id, c.from_touchpoint_no, c.to_touchpoint_no
    ) as p
    inner join personas as pn on pn.persona_id = p.persona_id
    inner join names as f on f.touchpoint_no = p.from_touchpoint_no
    inner join names as t on t.touchpoint_no = p.to_touchpoint_no
),

pairs as (
    select v.persona, p.from_touchpoint, p.to_touchpoint, sum(p.customers) as customers
    from persona_pairs as p
    inner join (select distinct persona from views) as v on v.persona in (p.persona, 'All customers')
    group by v.persona, p.from_touchpoint, p.to_touchpoint
),

designed as (
    -- consecutive assumed steps, and steps that jump over optional ones only
    select distinct a.touchpoint as from_touchpoint, b.touchpoint as to_touchpoint
    from steps as a
    inner join steps as b on b.step_order > a.step_order
    where not exists (
        select 1 from steps as m
        where m.step_order > a.step_order and m.step_order < b.step_order and not m.is_optional
    )
),

ranked as (
    select p.*, row_number() over (partition by p.persona order by p.customers desc, p.from_touchpoint, p.to_touchpoint) as n
    from pairs as p
    where p.from_touchpoint <> p.to_touchpoint
)

select
    r.persona,
    r.from_touchpoint,
    r.to_touchpoint,
    r.customers,
    f.x as x,
    f.y as y,
    t.x as x2,
    t.y as y2,
    case
        when d.from_touchpoint is not null then 'assumed step'
        when t.x < f.x then 'going back'
        else 'not in the assumed journey'
    end as kind,
from ranked as r
inner join nodes as f on f.persona = r.persona and f.touchpoint = r.from_touchpoint
inner join nodes as t on t.persona = r.persona and t.touchpoint = r.to_touchpoint
left join designed as d on d.from_touchpoint = r.from_touchpoint and d.to_touchpoint = r.to_touchpoint
where r.n <= 40
order by r.persona, r.customers desc
