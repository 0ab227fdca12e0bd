select to_regclass(%(relation)s) is not null
