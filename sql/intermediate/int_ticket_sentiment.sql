-- one row per ticket in the journey (duplicates removed): text score, satisfaction score, blended sentiment,
-- and the stage of the experience it describes (the stage of the touchpoint it is about, else its own)
with tickets as (
    -- int_events keyed by numbers (not the journey_events view): only the tickets' rows are named
    select k.customer_id, e.ticket_id, e.occurred_at, st.touchpoint, e.about_touchpoint, st.stage, e.stage_order,
        e.file_id, e.record_no,
    from int_events as e
    inner join int_customer_keys as k on k.customer_no = e.customer_no
    inner join int_touchpoint_stages as st on st.touchpoint_no = e.touchpoint_no
    where e.source_rank = 1
),

bodies as (
    select file_id, record_no, body, satisfaction from stg_tickets where not is_duplicate
),

settings as (
    select * from config_settings
),

scores as (
    select text_md5, score from sentiment_cache where scorer_version = (select scorer_version from settings)
),

about_stages as (
    select touchpoint, stage, stage_order from int_touchpoint_stages
),

scored as (
    select
        t.customer_id,
        t.ticket_id,
        t.occurred_at,
        t.touchpoint,
        t.about_touchpoint,
        coalesce(a.stage, t.stage) as experience_stage,
        coalesce(a.stage_order, t.stage_order) as experience_stage_order,
        b.body,
        coalesce(sc.score, 0.0) as text_score,
        case
            when b.satisfaction is not null
                then greatest(-1.0, least(1.0,
                    (b.satisfaction - (s.satisfaction_low + s.satisfaction_high) / 2)
                    / ((s.satisfaction_high - s.satisfaction_low) / 2)))
        end as satisfaction_score,
        s.text_weight,
        s.negative_below,
    from tickets as t
    cross join settings as s
    left join bodies as b on b.file_id = t.file_id and b.record_no = t.record_no
    left join scores as sc on sc.text_md5 = md5(b.body)
    left join about_stages as a on a.touchpoint = t.about_touchpoint
),

final as (
    select
        * exclude (text_weight, negative_below),
        case
            when satisfaction_score is null then text_score
            else text_weight * text_score + (1 - text_weight) * satisfaction_score
        end as sentiment,
        case
            when satisfaction_score is null then text_score
            else text_weight * text_score + (1 - text_weight) * satisfaction_score
        end <= negative_below as is_negative,
    from scored
)

select * from final
