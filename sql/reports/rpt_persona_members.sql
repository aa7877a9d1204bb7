-- materialized: view
-- one row per customer and persona view they belong to: "All customers", and their own persona. A view: its
-- readers mostly want the views and their sizes, and writing 2 rows per customer cost more than reading
-- customer_personas twice
with members as (
    select customer_id, customer_no, persona from customer_personas
)

select customer_id, customer_no, 'All customers' as persona, 0 as persona_order from members
union all
select m.customer_id, m.customer_no, m.persona, p.persona_id as persona_order
from members as m
inner join personas as p on p.label = m.persona
