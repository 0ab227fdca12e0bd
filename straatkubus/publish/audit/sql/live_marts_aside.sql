alter schema marts rename to {live};
revoke usage on schema {live} from {reader_role};
