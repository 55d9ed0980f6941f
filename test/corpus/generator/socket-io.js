// The socket.io streams adapter's writes, in a process of its own: once its client is closed the
// adapter's read loop retries without yielding, so the process is ended rather than closed.
import IORedis from 'ioredis';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-streams-adapter';

const client = new IORedis({ host: '127.0.0.1', port: Number(process.argv[2]) });
const server = new Server({ adapter: createAdapter(client) });
server.of('/chat').emit('hello', 1);
for (let i = 0; i < 50; i += 1) server.to(`room-${i}`).emit('tick', i);
setTimeout(() => process.exit(0), 500);
