// i18n.js - every visible string comes from one table per language
// (web/i18n/<lang>.js, an ES module exporting a flat object keyed
// "page.what"). t(key, params) looks the key up in the current language,
// then English, then shows the key itself, so a missing translation is
// visible but never breaks a page. "{name}" in a string is replaced by
// params.name. The choice is kept in localStorage.
import en from '../i18n/en.js';
import zh from '../i18n/zh-CN.js';

const tables = {en, 'zh-CN': zh};
const STORAGE_KEY = 'footfall.lang';
const listeners = new Set();

function initial() {
	let saved = null;
	try {
		saved = localStorage.getItem(STORAGE_KEY);
	} catch (e) {
		saved = null;
	}
	if (saved && tables[saved])
		return saved;
	return (navigator.language || '').toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

let lang = initial();

export const languages = Object.keys(tables);

export function getLang() {
	return lang;
}

export function setLang(l) {
	if (!tables[l] || l === lang)
		return;
	lang = l;
	try {
		localStorage.setItem(STORAGE_KEY, l);
	} catch (e) {
		// private mode: the choice lasts for this page only
	}
	document.documentElement.lang = l;
	for (const fn of listeners)
		fn(l);
}

// fn(lang) after every switch; returns a function that removes it.
export function onLangChange(fn) {
	listeners.add(fn);
	return () => listeners.delete(fn);
}

export function t(key, params) {
	let s = tables[lang][key];
	if (s === undefined)
		s = en[key];
	if (s === undefined)
		return key;
	if (params)
		s = s.replace(/\{(\w+)\}/g, (m, k) => (params[k] !== undefined ? String(params[k]) : m));
	return s;
}

// Fills elements marked data-i18n="key" (text) and data-i18n-title /
// data-i18n-placeholder (attributes) below root.
export function translate(root) {
	for (const e of root.querySelectorAll('[data-i18n]'))
		e.textContent = t(e.dataset.i18n);
	for (const e of root.querySelectorAll('[data-i18n-title]'))
		e.title = t(e.dataset.i18nTitle);
	for (const e of root.querySelectorAll('[data-i18n-placeholder]'))
		e.placeholder = t(e.dataset.i18nPlaceholder);
}

document.documentElement.lang = lang;
