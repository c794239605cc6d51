import type { ContactFilter } from '#libs/domain';

/**
 * The SQL condition selecting a workspace's contacts by list, country and attribute equality,
 * over the alias `c` of `contacts`; every value is a bound parameter.
 */
export function contactSelection(
  workspaceId: string,
  filter: ContactFilter,
): { where: string; params: unknown[] } {
  const clauses = ['c.workspace_id = ?'];
  const params: unknown[] = [workspaceId];
  if (filter.listId) {
    clauses.push(
      'exists (select 1 from contact_list_members m where m.list_id = ? and m.contact_id = c.id)',
    );
    params.push(filter.listId);
  }
  if (filter.country) {
    clauses.push('c.country = ?');
    params.push(filter.country);
  }
  if (filter.attributes && Object.keys(filter.attributes).length) {
    clauses.push('c.attributes @> ?::jsonb');
    params.push(JSON.stringify(filter.attributes));
  }
  return { where: clauses.join(' and '), params };
}

/**
 * A contact's value for a template variable: the attribute of that name, or for `name`, the
 * contact's name. Returns the SQL expression over alias `c` and its parameters.
 */
export function variableValue(variable: string): { sql: string; params: unknown[] } {
  return variable === 'name'
    ? { sql: `coalesce(c.attributes ->> 'name', c.name)`, params: [] }
    : { sql: `(c.attributes ->> ?::text)`, params: [variable] };
}

/** `jsonb_build_array(...)` of the contact's values for the variables, in order. */
export function variablesArray(variables: string[]): { sql: string; params: unknown[] } {
  if (variables.length === 0) return { sql: `'[]'::jsonb`, params: [] };
  const parts = variables.map(variableValue);
  return {
    sql: `jsonb_build_array(${parts.map((p) => p.sql).join(', ')})`,
    params: parts.flatMap((p) => p.params),
  };
}

/** `jsonb_build_object(...)` of the contact's values by key, without the keys it lacks. */
export function valuesObject(keys: string[]): { sql: string; params: unknown[] } {
  if (keys.length === 0) return { sql: `'{}'::jsonb`, params: [] };
  const parts = keys.map(variableValue);
  return {
    sql: `jsonb_strip_nulls(jsonb_build_object(${parts.map((p) => `?::text, nullif(${p.sql}, '')`).join(', ')}))`,
    params: parts.flatMap((p, i) => [keys[i], ...p.params]),
  };
}

/** True (SQL) when the contact lacks a value for one of the variables. */
export function missingVariable(variables: string[]): { sql: string; params: unknown[] } {
  if (variables.length === 0) return { sql: 'false', params: [] };
  const parts = variables.map(variableValue);
  return {
    sql: `(${parts.map((p) => `coalesce(${p.sql}, '') = ''`).join(' or ')})`,
    params: parts.flatMap((p) => p.params),
  };
}
