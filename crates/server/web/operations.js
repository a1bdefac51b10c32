// The operations of the contract (§3) and their arguments, named as the JSON-RPC params are.
// Each argument has a kind that says how its input looks and how its text becomes JSON.

export const ORDER_STATUSES = ['pending', 'paid', 'shipped', 'delivered', 'cancelled'];

const id = (value, hint) => ({ name: 'id', kind: 'int', value, hint });
const limit = { name: 'limit', kind: 'int', value: '5', hint: '1 to 100; empty means 20' };
const cursor = { name: 'cursor', kind: 'text', value: '', hint: 'nextCursor of the previous page' };

export const OPERATIONS = [
  { name: 'listUsers', group: 'Users', args: [limit, cursor] },
  { name: 'getUser', group: 'Users', args: [id('42', 'try 999999 for NOT_FOUND')] },
  {
    name: 'createUser', group: 'Users', write: true,
    args: [
      { name: 'name', kind: 'text', value: 'Zoe Zhang' },
      { name: 'email', kind: 'text', value: 'zoe@example.com', hint: 'unique: a second create is a CONFLICT' },
    ],
  },
  {
    name: 'updateUser', group: 'Users', write: true,
    args: [
      id('1'),
      { name: 'name', kind: 'text', value: 'Alice Anders' },
      { name: 'email', kind: 'text', value: '', hint: 'empty: unchanged' },
    ],
  },
  { name: 'deleteUser', group: 'Users', write: true, args: [id('7', 'a user with orders is a CONFLICT')] },
  { name: 'listProducts', group: 'Products', args: [limit, cursor] },
  { name: 'getProduct', group: 'Products', args: [id('1')] },
  {
    name: 'listUserOrders', group: 'Orders',
    args: [
      { name: 'userId', kind: 'int', value: '42' },
      { name: 'status', kind: 'choice', value: '', choices: ['', ...ORDER_STATUSES], hint: 'empty: any status' },
    ],
  },
  { name: 'getOrder', group: 'Orders', args: [id('1')] },
  {
    name: 'createOrder', group: 'Orders', write: true,
    args: [
      { name: 'userId', kind: 'int', value: '42' },
      { name: 'items', kind: 'json', value: '[{"productId":1,"quantity":1}]', hint: 'JSON: [{"productId":1,"quantity":2}]' },
    ],
  },
  {
    name: 'updateOrderStatus', group: 'Orders', write: true,
    args: [id('1'), { name: 'status', kind: 'choice', value: 'paid', choices: ORDER_STATUSES, hint: 'pending → paid → shipped → delivered' }],
  },
  { name: 'deleteOrder', group: 'Orders', write: true, args: [id('200')] },
  {
    name: 'setMaintenance', group: 'Admin', write: true,
    args: [
      { name: 'enabled', kind: 'bool', value: false, hint: 'needs the admin scope' },
      { name: 'retryAfter', kind: 'int', value: '30', hint: 'seconds clients are told to wait' },
    ],
  },
];

export const operation = (name) => OPERATIONS.find((op) => op.name === name);

/** Every operation's arguments at their defaults: { getUser: { id: '42' }, ... }. */
export function defaultArgs() {
  return Object.fromEntries(OPERATIONS.map((op) => [op.name, Object.fromEntries(op.args.map((a) => [a.name, a.value]))]));
}

/**
 * The inputs' values as JSON-RPC params: numbers, strings, a boolean, the items array.
 * Empty inputs are left out. Answers { args } or { error } naming the argument at fault.
 */
export function toArgs(op, values) {
  const args = {};
  for (const arg of op.args) {
    const raw = values[arg.name];
    if (arg.kind === 'bool') {
      args[arg.name] = Boolean(raw);
      continue;
    }
    const text = String(raw ?? '').trim();
    if (text === '') continue;
    if (arg.kind === 'int') {
      if (!/^\d+$/.test(text)) return { error: `${arg.name} must be a whole number, not “${text}”` };
      const number = Number(text);
      if (!Number.isSafeInteger(number)) return { error: `${arg.name} is too large for a JSON number` };
      args[arg.name] = number;
    } else if (arg.kind === 'json') {
      try {
        args[arg.name] = JSON.parse(text);
      } catch (e) {
        return { error: `${arg.name} is not valid JSON: ${e.message}` };
      }
    } else {
      args[arg.name] = text;
    }
  }
  return { args };
}
