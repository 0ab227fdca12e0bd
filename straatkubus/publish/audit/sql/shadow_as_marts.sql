alter schema {shadow} rename to marts;
grant usage on schema marts to {reader_role};
