-- one row per touchpoint, worst first: the pain point components with up to three redacted quotes
with pain as (
    select * from pain_points
),

quotes as (
    select
        touchpoint,
        max(quote) filter (where quote_rank = 1) as quote_1,
        max(quote) filter (where quote_rank = 2) as quote_2,
        max(quote) filter (where quote_rank = 3) as quote_3,
    from pain_point_quotes
    group by touchpoint
),

final as (
    select
        p.pain_rank,
        p.touchpoint,
        p.stage,
        p.score,
        p.customers,
        p.tickets,
        p.ticket_rate,
        p.negative_share,
        p.drop_off_rate,
        p.loop_rate,
        p.median_wait_hours,
        p.wait_ratio,
        p.sentiment_mean,
        p.evidence,
        q.quote_1,
        q.quote_2,
        q.quote_3,
    from pain as p
    left join quotes as q on q.touchpoint = p.touchpoint
)

select * from final order by pain_rank
