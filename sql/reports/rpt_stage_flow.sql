-- one row per persona view and pair of stages that follow each other directly: customers and direction
with views as (
    select distinct persona from rpt_persona_members
),

members as (
    select customer_no, persona from customer_personas
),

pairs as (
    select * from int_transitions
    where from_stage <> to_stage
        and from_stage_order < (select unmapped_stage_order from config_settings)
        and to_stage_order < (select unmapped_stage_order from config_settings)
),

persona_pairs as (
    -- each customer is in exactly one persona: a persona's counts are its own, all customers' the sums
    select
        m.persona,
        p.from_stage,
        p.to_stage,
        p.from_stage_order,
        p.to_stage_order,
        count(*) as n_transitions,
        count(distinct p.customer_no) as customers,
    from pairs as p
    inner join members as m on m.customer_no = p.customer_no
    group by all
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
