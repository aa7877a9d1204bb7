-- one row per persona view and pair of stages that follow each other directly: customers and direction
with views as (
    select * from rpt_persona_members
),

pairs as (
    select * from int_transitions
    where from_stage <> to_stage
        and from_stage_order < (select unmapped_stage_order from config_settings)
        and to_stage_order < (select unmapped_stage_order from config_settings)
)

select
    v.persona,
    p.from_stage,
    p.to_stage,
    any_value(p.from_stage_order) as from_stage_order,
    any_value(p.to_stage_order) as to_stage_order,
    count(*) as n_transitions,
    count(distinct p.customer_id) as customers,
    case
        when any_value(p.to_stage_order) < any_value(p.from_stage_order) then 'back'
        when any_value(p.to_stage_order) = any_value(p.from_stage_order) + 1 then 'next'
        else 'skip ahead'
    end as direction,
from pairs as p
inner join views as v on v.customer_id = p.customer_id
group by v.persona, p.from_stage, p.to_stage
order by v.persona, from_stage_order, to_stage_order
