-- one row per customer (anyone with a loaded event in either source): customer_no numbers them 0, 1, 2, … in
-- customer_id order. The per-customer tables and journey_events key on this integer: writing, grouping and
-- joining 4-byte numbers instead of id strings took ~4 s off the models at 11M events (9M-row tables such
-- as int_customer_touchpoints write a customer id per row), and personas use it as the row of their matrix.
with ids as (
    select customer_id from raw_clickstream
    union
    select customer_id from raw_tickets
)

select customer_id, (row_number() over (order by customer_id) - 1)::integer as customer_no
from ids
