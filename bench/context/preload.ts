import { installSqlCount } from "./sql-count.js";

// Loaded into bench:context's web process before the server (`node --import`): the SQL statements of each webhook answer.
installSqlCount();
