DROP INDEX appointments_date_status;
DROP TABLE outbox;
