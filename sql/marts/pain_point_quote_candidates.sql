-- one row per touchpoint and candidate quote: its ten most negative distinct ticket texts (shortest first on
-- ties); pipeline/pain.py redacts them and keeps the first three that still differ after redaction
with tickets as (
    select * from int_ticket_sentiment where is_negative and about_touchpoint is not null and body is not null
),

distinct_texts as (
    select about_touchpoint as touchpoint, body, min(sentiment) as sentiment, min(ticket_id) as ticket_id
    from tickets
    group by about_touchpoint, body
),

ranked as (
    select
        *,
        row_number() over (partition by touchpoint order by sentiment, length(body), ticket_id) as quote_rank,
    from distinct_texts
)

select touchpoint, quote_rank, body, sentiment, ticket_id from ranked where quote_rank <= 10
