-- one row per persona view and pair of stages that follow each other directly: customers and direction
with views as (
    select distinct persona from rpt_persona_members
),

members as (
    select customer_no, persona_id from customer_personas
),

personas as (
    select persona_id, label from personas
),

stage_names as (
    select distinct stage, stage_order from int_touchpoint_stages
),

pairs as (
    select customer_no, from_stage_order, to_stage_order from int_transitions
    where from_stage_order <> to_stage_order
        and from_stage_order < (select unmapped_stage_order from config_settings)
        and to_stage_order < (select unmapped_stage_order from config_settings)
),

persona_pairs as (
    -- each customer is in exactly one persona: a persona's counts are its own, all customers' the sums.
    -- Grouped by persona and stage numbers, the grouped rows named after (grouping 10M pairs by the label and
    -- stage strings took 0.7 s at 11M events)
    select
        pn.label as persona,
        f.stage as from_stage,
        t.stage as to_stage,
        g.from_stage_order,
        g.to_stage_order,
        g.n_transitions,
        g.customers,
    from (
        select
            m.persona_id,
            p.from_stage_order,
            p.to_stage_order,
            count(*) as n_transitions,
            count(distinct p.customer_no) as customers,
        from pairs as p
        inner join members as m on m.customer_no = p.customer_no
        group by m.persona_id, p.from_stage_order, p.to_stage_order
    ) as g
    inner join personas as pn on pn.persona_id = g.persona_id
    inner join stage_names as f on f.stage_order = g.from_stage_order
    inner join stage_names as t on t.stage_order = g.to_stage_order
),

final as (
    select
        v.persona,
        p.from_stage,
        p.to_stage,
        p.from_stage_order,
        p.to_stage_order,
        sum(p.n_transitions)::bigint as n_transitions,
        sum(p.customers)::bigint as customers,
        case
            when p.to_stage_order < p.from_stage_order then 'back'
            when p.to_stage_order = p.from_stage_order + 1 then 'next'
            else 'skip ahead'
        end as direction,
    from persona_pairs as p
    inner join views as v on v.persona in (p.persona, 'All customers')
    group by v.persona, p.from_stage, p.to_stage, p.from_stage_order, p.to_stage_order
)

select * from final
order by persona, from_stage_order, to_stage_order
