-- one row per persona view and touchpoint drawn in the assumed-vs-actual diagram: the assumed journey's
-- touchpoints on the top lane at their step, touchpoints it does not have on the lane below, placed just after
-- where customers come from; with customers and the share of the view who did it
with views as (
    select * from rpt_persona_members
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

done as (
    select c.customer_no, s.touchpoint
    from int_customer_touchpoints as c
    inner join int_touchpoint_stages as s on s.touchpoint_no = c.touchpoint_no
    where s.stage_order < (select unmapped_stage_order from config_settings)
),

reach as (
    select persona, touchpoint, customers from rpt_persona_reach
),

sizes as (
    select persona, count(*) as view_customers from views group by persona
),

step_sizes as (
    select step_order, count(*) as n_touchpoints from steps group by step_order
),

single_step_reach as (
    -- a step of one touchpoint is reached by that touchpoint's customers, already counted per view
    select r.persona, s.step_order, r.customers
    from reach as r
    inner join steps as s on s.touchpoint = r.touchpoint
    inner join step_sizes as z on z.step_order = s.step_order and z.n_touchpoints = 1
),

persona_any_of_reach as (
    -- an any_of step is reached by the customers who did any of its touchpoints, each counted once: only these
    -- steps' touchpoints go through the distinct (all steps' took 1.6 s at 11M events)
    select p.label as persona, g.step_order, g.customers
    from (
        select m.persona_id, cs.step_order, count(*) as customers
        from (
            select distinct d.customer_no, s.step_order
            from done as d
            inner join steps as s on s.touchpoint = d.touchpoint
            inner join step_sizes as z on z.step_order = s.step_order and z.n_touchpoints > 1
        ) as cs
        inner join members as m on m.customer_no = cs.customer_no
        group by m.persona_id, cs.step_order
    ) as g
    inner join personas as p on p.persona_id = g.persona_id
),

step_reach as (
    select persona, step_order, customers from single_step_reach
    union all
    select v.persona, r.step_order, sum(r.customers)::bigint as customers
    from persona_any_of_reach as r
    inner join (select distinct persona from views) as v on v.persona in (r.persona, 'All customers')
    group by v.persona, r.step_order
),

assumed as (
    select r.persona, s.touchpoint, cast(s.step_order as double) as x, -0.75 * s.position_in_step as y,
        s.step_label, s.is_optional, true as is_assumed, s.step_order
    from steps as s
    inner join sizes as r on true
),

placed as (
    -- a touchpoint outside the design sits half a step after the assumed touchpoints customers come from
    select
        t.to_touchpoint as touchpoint,
        sum(t.n_transitions * s.step_order) / sum(t.n_transitions) + 0.5 as x,
    from transitions as t
    inner join steps as s on s.touchpoint = t.from_touchpoint
    where t.to_touchpoint not in (select touchpoint from steps)
    group by t.to_touchpoint
),

inserted as (
    select r.persona, r.touchpoint, coalesce(p.x, 0.5) as x, cast(-3 as double) as y,
        'not in the assumed journey' as step_label, false as is_optional, false as is_assumed, cast(null as integer) as step_order
    from reach as r
    left join placed as p on p.touchpoint = r.touchpoint
    where r.touchpoint not in (select touchpoint from steps)
),

staggered as (
    -- three lanes in turn, so that neighbours outside the design do not overlap
    select * exclude (y),
        -3.1 - 0.6 * (row_number() over (partition by persona order by x, touchpoint) % 3) as y,
    from inserted
),

nodes as (
    select * from assumed
    union all
    select persona, touchpoint, x, y, step_label, is_optional, is_assumed, step_order from staggered
)

select
    n.persona,
    n.touchpoint,
    n.x,
    n.y,
    n.step_label,
    n.is_optional,
    n.is_assumed,
    coalesce(r.customers, 0) as customers,
    coalesce(r.customers, 0) / z.view_customers as share,
    case
        when not n.is_assumed then 'not in the assumed journey'
        when coalesce(sr.customers, 0) / z.view_customers < 0.5 and not n.is_optional then 'assumed, most skip it'
        else 'assumed'
    end as kind,
from nodes as n
inner join sizes as z on z.persona = n.persona
left join reach as r on r.persona = n.persona and r.touchpoint = n.touchpoint
left join step_reach as sr on sr.persona = n.persona and sr.step_order = n.step_order
order by n.persona, n.x, n.y
