-- materialized: view
-- one row per clickstream event with its attributes (config `attributes`, e.g. device, channel), for analysts:
-- kept out of journey_events so that the case-order sort does not carry them
select
    e.customer_id,
    e.event_seq,
    case when r.attribute_values is not null then map(f.attribute_names, r.attribute_values) end as attributes,
from journey_events as e
inner join raw_clickstream as r on r.file_id = e.file_id and r.record_no = e.record_no
inner join ingested_files as f on f.file_id = r.file_id
where e.source = 'clickstream'
