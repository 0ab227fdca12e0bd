select count(*), {aggregates} from ({state}) as rows where not is_published
