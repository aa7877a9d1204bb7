-- materialized: view
-- one row per customer: the persona they were assigned to (id and label). A view: only the CSV export reads it
with members as (
    select * from customer_personas
)

select customer_id, persona_id as persona, persona as label from members order by customer_id
