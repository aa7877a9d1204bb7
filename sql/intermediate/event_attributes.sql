-- materialized: view
-- one row per clickstream event with its attributes (config `attributes`, e.g. device, channel), for analysts:
-- kept out of journey_events so that the case-order sort does not carry them
select e.customer_id, e.event_seq, r.attributes
from journey_events as e
inner join raw_clickstream as r on r.file_id = e.file_id and r.record_no = e.record_no
where e.source = 'clickstream'
