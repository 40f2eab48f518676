// api.js - the one way the pages talk to footfalld.
//
// JSON in, JSON out, the session travels in the HttpOnly cookie the daemon
// sets at login (so scripts never see the token). A failed request throws an
// ApiError whose message is the server's own "error" text, so pages show
// exactly what the daemon said. A 401 on anything but the login itself means
// the session is gone: the handler set with onUnauthorized (the app sends
// the user to the login page) runs before the error is thrown.

export class ApiError extends Error {
	constructor(status, message, retryAfter) {
		super(message);
		this.name = 'ApiError';
		this.status = status;
		this.retryAfter = retryAfter;
	}
}

let unauthorized = () => {};

export function onUnauthorized(fn) {
	unauthorized = fn;
}

async function request(method, path, body, {raw = false, quiet401 = false} = {}) {
	const init = {method, credentials: 'same-origin', headers: {}};
	if (body !== undefined) {
		if (typeof body === 'string') {
			init.body = body;
		} else {
			init.body = JSON.stringify(body);
		}
		init.headers['Content-Type'] = 'application/json';
	}
	let res;
	try {
		res = await fetch(path, init);
	} catch (e) {
		throw new ApiError(0, e.message || 'network error');
	}
	if (!res.ok) {
		let msg = res.statusText || `HTTP ${res.status}`;
		try {
			const j = await res.json();
			if (j && typeof j.error === 'string')
				msg = j.error;
		} catch (e) {
			// not JSON: keep the status text
		}
		const retry = Number(res.headers.get('Retry-After')) || 0;
		if (res.status === 401 && !quiet401)
			unauthorized();
		throw new ApiError(res.status, msg, retry);
	}
	if (raw)
		return res;
	const type = res.headers.get('Content-Type') || '';
	if (type.startsWith('application/json'))
		return res.json();
	return res.text();
}

// Every method takes the full path ("/api/v1/counts"), the one the OpenAPI
// document lists. opts.raw returns the fetch Response (for blobs);
// opts.quiet401 skips the redirect to the login page (login, whoami).
export const api = {
	get: (path, opts) => request('GET', path, undefined, opts),
	post: (path, body, opts) => request('POST', path, body === undefined ? {} : body, opts),
	put: (path, body, opts) => request('PUT', path, body, opts),
	del: (path, opts) => request('DELETE', path, undefined, opts),
};

// "a=1&b=2" from an object, leaving out undefined, null and "".
export function query(params) {
	const q = new URLSearchParams();
	for (const [k, v] of Object.entries(params))
		if (v !== undefined && v !== null && v !== '')
			q.set(k, String(v));
	const s = q.toString();
	return s ? `?${s}` : '';
}
