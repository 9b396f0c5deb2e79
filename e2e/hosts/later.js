// The host's own script: builds nodes the way a framework does (no innerHTML).
(() => {
  const make = (tag, attributes, ...children) => {
    const node = document.createElement(tag);
    for (const name in attributes) node.setAttribute(name, attributes[name]);
    node.append(...children);
    return node;
  };
  const story = (n) =>
    make("article", { class: "tin", "data-late": "" },
      make("h2", {}, `Tin thứ ${n}: Khánh thành cầu mới qua sông Hồng`),
      make("p", {}, "Cây cầu rút ngắn thời gian đi lại giữa hai bờ còn mười lăm phút. ",
        make("a", { href: "#" }, "Đọc tiếp")));
  let count = 2;
  // Infinite scroll: more stories when asked (the test calls it, or the button).
  window.hostAddStories = (n = 3) => {
    const list = document.getElementById("list");
    for (let i = 0; i < n; i++) list.append(story(++count));
  };
  // A single-page app's navigation: the view is replaced.
  window.hostNavigate = () => {
    const view = document.getElementById("view");
    view.replaceChildren(make("h1", { "data-late": "" }, "Thể thao"),
      make("div", { id: "list" }, story(++count), story(++count)));
  };
  document.addEventListener("DOMContentLoaded", () => {
    document.getElementById("more").addEventListener("click", () => window.hostAddStories());
    setTimeout(() => {
      document.body.append(make("div", { class: "cookie", role: "region", "aria-label": "Cookie", "data-late": "" },
        "Trang này dùng cookie để ghi nhớ lựa chọn của bạn. ", make("button", { type: "button" }, "Đồng ý")));
      document.documentElement.dataset.hostLate = "ready";
    }, 200);
  });
})();
