-- one row per persona view and clickstream touchpoint: its stage, customers, the sentiment of tickets about it,
-- and its row under the stage (1 = most customers) for the experience map
with views as (
    select * from rpt_persona_members
),

reach as (
    select persona, touchpoint, stage, stage_order, clicking_customers as customers
    from rpt_persona_reach
    where clicking_customers > 0
),

feelings as (
    select v.persona, t.about_touchpoint as touchpoint, count(*) as n_tickets, avg(t.sentiment) as sentiment_mean
    from int_ticket_sentiment as t
    inner join views as v on v.customer_id = t.customer_id
    where t.about_touchpoint is not null
    group by v.persona, t.about_touchpoint
)

select
    r.persona,
    r.touchpoint,
    r.stage,
    r.stage_order,
    r.customers,
    coalesce(f.n_tickets, 0) as n_tickets,
    f.sentiment_mean,
    row_number() over (partition by r.persona, r.stage order by r.customers desc, r.touchpoint) as row_in_stage,
from reach as r
left join feelings as f on f.persona = r.persona and f.touchpoint = r.touchpoint
order by r.persona, r.stage_order, row_in_stage
