// Small progressive enhancements; every page works without them.
document.addEventListener("htmx:responseError", function (event) {
  var target = event.detail.target;
  if (target) {
    target.insertAdjacentHTML("afterbegin", '<p class="message error" role="alert">That did not work (' +
      event.detail.xhr.status + '). Nothing was saved; please try again.</p>');
  }
});
