-- one row per top pain point (at most five, score above zero): where it sits on the experience map
with pain as (
    select * from pain_points where score > 0 order by pain_rank limit 5
),

curve as (
    select stage, sentiment_mean from rpt_experience_stages where persona = 'All customers'
)

select
    p.pain_rank,
    p.touchpoint,
    p.stage,
    p.stage_order,
    p.score,
    coalesce(c.sentiment_mean, 0.0) as sentiment_at_stage,
    p.evidence,
    row_number() over (partition by p.stage order by p.pain_rank) as rank_in_stage,
from pain as p
left join curve as c on c.stage = p.stage
order by p.pain_rank
