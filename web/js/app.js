// app.js - the single page app: hash routes (#/dashboard ...), the menu,
// the session, the language switch.
//
// Every route change goes through route(): a device that is not activated
// only shows #/activate; without a session only #/login (and activation)
// are reachable; viewers only get the pages marked viewer:true and are sent
// to the dashboard from the others (the daemon refuses their API calls
// anyway, this just keeps them off pages that could not work).
//
// A page is a module web/js/pages/<name>.js exporting mount(el, ctx) that
// may return an unmount() function; it is loaded on first use.
import {api, onUnauthorized} from './api.js';
import {t, getLang, setLang, onLangChange, translate} from './i18n.js';
import {h, toast} from './ui.js';

const ROUTES = {
	dashboard: {viewer: true, menu: true},
	rule: {menu: true},
	communication: {menu: true},
	report: {viewer: true, menu: true},
	image: {menu: true},
	system: {menu: true},
	login: {open: true},
	activate: {open: true},
};

const state = {
	status: null, // GET /api/v1/status
	user: null, // {username, role}
	current: null, // {name, unmount}
	seq: 0, // drops the result of a route change overtaken by another
};

const pageEl = document.getElementById('page');
const navEl = document.getElementById('nav');

function routeName() {
	const m = /^#\/([\w-]+)/.exec(location.hash);
	return m && ROUTES[m[1]] ? m[1] : 'dashboard';
}

function navigate(name) {
	if (location.hash === `#/${name}`)
		route();
	else
		location.hash = `#/${name}`;
}

// Forget what we know about the device and the session (after logout, a
// factory reset, a restart) and route again.
function reload(to) {
	state.status = null;
	state.user = null;
	navigate(to || routeName());
}

function renderChrome() {
	translate(document);
	document.title = t('app.title');
	const box = document.getElementById('user-box');
	box.hidden = !state.user;
	document.getElementById('user-name').textContent = state.user
		? `${state.user.username} (${t(`role.${state.user.role}`)})` : '';
	navEl.replaceChildren();
	navEl.hidden = !state.user;
	if (!state.user)
		return;
	const here = routeName();
	for (const [name, r] of Object.entries(ROUTES)) {
		if (!r.menu || (!r.viewer && state.user.role !== 'admin'))
			continue;
		navEl.append(h('a', {href: `#/${name}`, class: name === here ? 'active' : '',
			dataset: {route: name}, text: t(`nav.${name}`)}));
	}
}

function unmountCurrent() {
	const cur = state.current;
	state.current = null;
	if (cur && typeof cur.unmount === 'function') {
		try {
			cur.unmount();
		} catch (e) {
			console.error(e);
		}
	}
	pageEl.replaceChildren();
}

async function route() {
	const seq = ++state.seq;
	let name = routeName();
	try {
		if (!state.status)
			state.status = await api.get('/api/v1/status');
		if (!state.status.activated && name !== 'activate')
			return navigate('activate');
		if (state.status.activated && name === 'activate')
			return navigate('login');
		if (!ROUTES[name].open && !state.user) {
			try {
				state.user = await api.get('/api/v1/session', {quiet401: true});
			} catch (e) {
				if (e.status !== 401)
					throw e;
				state.after = name;
				return navigate('login');
			}
		}
		if (name === 'login' && state.user)
			return navigate('dashboard');
		if (!ROUTES[name].open && !ROUTES[name].viewer && state.user.role !== 'admin') {
			toast(t('app.admin_only'), 'error');
			return navigate('dashboard');
		}
	} catch (e) {
		pageEl.replaceChildren(h('p', {class: 'page-error', text: `${t('app.unreachable')}: ${e.message}`}));
		return;
	}
	if (seq !== state.seq)
		return;
	const mod = await import(`./pages/${name}.js`);
	if (seq !== state.seq)
		return;
	unmountCurrent();
	renderChrome();
	document.body.dataset.page = name;
	const el = h('div', {class: `page-${name}`});
	pageEl.append(el);
	const ctx = {
		api,
		t,
		role: state.user ? state.user.role : null,
		username: state.user ? state.user.username : null,
		status: state.status,
		navigate,
		reload,
		// The login page reports the new session; the app goes where the
		// user was heading.
		signedIn(user) {
			state.user = user;
			const to = state.after && state.after !== 'login' ? state.after : 'dashboard';
			state.after = null;
			navigate(to);
		},
	};
	let unmount = null;
	try {
		unmount = (await mod.mount(el, ctx)) || null;
	} catch (e) {
		console.error(e);
		el.append(h('p', {class: 'page-error', text: e.message}));
	}
	if (seq !== state.seq) {
		// Another route took over while this page was mounting.
		if (typeof unmount === 'function')
			unmount();
		return;
	}
	state.current = {name, unmount};
	pageEl.focus({preventScroll: true});
	document.body.classList.remove('nav-open');
}

onUnauthorized(() => {
	if (state.user) {
		state.user = null;
		toast(t('app.session_expired'), 'error');
	}
	if (!ROUTES[routeName()].open)
		navigate('login');
});

const langSel = document.getElementById('lang-select');
langSel.value = getLang();
langSel.addEventListener('change', () => setLang(langSel.value));
onLangChange(() => {
	langSel.value = getLang();
	route();
});

document.getElementById('logout').addEventListener('click', async () => {
	try {
		await api.del('/api/v1/session', {quiet401: true});
	} catch (e) {
		// the session is gone either way
	}
	reload('login');
});

document.getElementById('menu-toggle').addEventListener('click', () => {
	const open = document.body.classList.toggle('nav-open');
	document.getElementById('menu-toggle').setAttribute('aria-expanded', String(open));
});

window.addEventListener('hashchange', route);
route();
