// Runs before the page is drawn so the larger-text mode (适老化) never flashes at normal size.
try { if (localStorage.getItem('qinglian-text') === 'large') document.documentElement.classList.add('large'); } catch (e) {}
document.documentElement.classList.add('js');
