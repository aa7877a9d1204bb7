-- one row per persona and trait shown in the persona chart: each persona's four most distinguishing traits,
-- and how common every one of them is in every persona (0 when nobody in it has the trait)
with traits as (
    select * from rpt_persona_traits
),

personas as (
    select persona_id, label from personas
),

top_traits as (
    select block, feature, min(persona_id * 10 + rank_in_persona) as trait_order
    from (
        select *, row_number() over (partition by persona_id order by score desc, block, feature) as rank_in_persona
        from traits
        where score > 0 and share_in_persona >= 0.4
    )
    where rank_in_persona <= 4
    group by block, feature
)

select
    p.persona_id,
    p.label,
    t.block,
    case
        when t.block = 'attribute' then replace(split_part(t.feature, '=', 2), '_', ' ')
        when t.block = 'transition' then replace(replace(t.feature, ' > ', ' → '), '_', ' ')
        else replace(t.feature, '_', ' ')
    end as trait,
    t.trait_order,
    coalesce(x.share_in_persona, 0.0) as share_in_persona,
from top_traits as t
cross join personas as p
left join traits as x on x.persona_id = p.persona_id and x.block = t.block and x.feature = t.feature
order by p.persona_id, t.trait_order
