// rule-style.js - loads the stylesheet of the Rule and Communication pages
// (web/css/rule.css) the first time one of them is shown, so the shared
// app.css stays the framework's.
let added = false;

export function useRuleStyles() {
	if (added || document.querySelector('link[href="/css/rule.css"]'))
		return;
	added = true;
	const link = document.createElement('link');
	link.rel = 'stylesheet';
	link.href = '/css/rule.css';
	document.head.append(link);
}
