// Development pages for the links in Latchkey's emails (served only while APP_BASE_URL is unset
// in development). They do what a product's web app does: read the token from the link and post
// it back to the API. No framework, no build step.
(function () {
  'use strict';
  var token = new URLSearchParams(window.location.search).get('token') || '';
  var status = document.getElementById('status');
  var say = function (text, ok) {
    status.textContent = text;
    status.className = ok ? 'ok' : 'error';
  };
  var post = function (path, body) {
    return fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then(function (response) {
      if (response.ok) return { ok: true };
      return response.json().then(
        function (error) {
          return { ok: false, message: error.message + ' (' + error.code + ')' };
        },
        function () {
          return { ok: false, message: 'HTTP ' + response.status };
        },
      );
    });
  };
  if (!token) return say('This link has no token: open the whole link from the email.', false);

  if (document.body.dataset.page === 'verify') {
    post('/v1/auth/verify/confirm', { token: token }).then(function (result) {
      say(result.ok ? 'Your email address is verified. You can close this page.' : result.message, result.ok);
    });
    return;
  }

  var form = document.getElementById('reset');
  form.hidden = false;
  say('', true);
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var button = form.querySelector('button');
    button.disabled = true;
    post('/v1/auth/password-reset/confirm', { token: token, newPassword: form.newPassword.value }).then(
      function (result) {
        button.disabled = false;
        if (result.ok) form.hidden = true;
        say(
          result.ok
            ? 'Your password is changed; every session was signed out. Sign in again.'
            : result.message,
          result.ok,
        );
      },
    );
  });
})();
