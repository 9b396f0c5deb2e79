"""tests/fixtures/portal-article.txt, and what a reader must get from it.

An article written for these tests in the portal's plain-text export format (README,
"Importing articles"), laid out as the real export in ../shared/seeds is, so it takes the
same paths through service/portal_text.py:

- chrome above the title: the banner, the procuracy's name in capitals and in English
  (with a curly apostrophe);
- the title, then the date line, then the toolbar line with no-break spaces;
- the first paragraph right below the toolbar, and a caption right below it (no blank
  lines), with a no-break space inside the caption;
- two captions broken over two lines: one whose second line starts with a no-break space,
  one whose first line ends in a comma;
- paragraphs with "..." and curly quotes inside, and a short one;
- the byline "TH - NL", then the search box as the last line, with no final newline.
"""

from __future__ import annotations

from pathlib import Path

PATH = Path(__file__).resolve().parents[1] / "fixtures" / "portal-article.txt"

TITLE = "VKSND tỉnh Quảng Trị tập huấn kỹ năng số cho Kiểm sát viên năm 2024"
SLUG = "vksnd-tinh-quang-tri-tap-huan-ky-nang-so-cho-kiem-sat-vien-nam-2024"
DATE_LINE = "14/03/2024"
PUBLISHED = "2024-03-14"
BYLINE = "TH - NL"

# Every paragraph, in order, as a reader sees it (no-break spaces collapsed).
PARAGRAPHS = [
    "Ngày 14/3/2024, Viện kiểm sát nhân dân tỉnh Quảng Trị mở lớp tập huấn kỹ năng số cho hơn "
    "120 Kiểm sát viên, Kiểm tra viên và chuyên viên đang công tác tại hai cấp kiểm sát trong "
    "tỉnh.",
    "Lớp học diễn ra trực tiếp tại hội trường VKSND tỉnh và được truyền trực tuyến đến 9 điểm "
    "cầu VKSND cấp huyện. Giảng viên là cán bộ phụ trách công nghệ thông tin của Ngành cùng một "
    "số Kiểm sát viên nhiều năm sử dụng phần mềm quản lý án, nên bài giảng gắn với những tình "
    "huống học viên gặp hằng ngày.",
    "Trong hai ngày, học viên được hướng dẫn lập hồ sơ kiểm sát điện tử, tra cứu văn bản pháp "
    "luật trên cơ sở dữ liệu dùng chung, ký số văn bản tố tụng và sao lưu dữ liệu đúng quy định. "
    "Mỗi học viên tự tay số hóa một bộ hồ sơ mẫu gồm cáo trạng, biên bản hỏi cung, quyết định "
    "gia hạn tạm giam... rồi gửi cho giảng viên chấm ngay trên hệ thống.",
    "Theo Ban tổ chức, đến cuối năm 2023 toàn tỉnh mới số hóa được 41,6% số hồ sơ vụ án đã kết "
    "thúc; mục tiêu năm 2024 là số hóa toàn bộ hồ sơ vụ án mới thụ lý và ít nhất 70% hồ sơ lưu "
    "trữ. Phát biểu tại lớp học, đồng chí Phạm Thu Hằng nhấn mạnh: “Số hóa không chỉ là chuyển "
    "giấy thành tệp, mà là thay đổi cách chúng ta làm việc với hồ sơ mỗi ngày”.",
    "Kết thúc lớp tập huấn, 118 học viên đạt yêu cầu bài kiểm tra thực hành.",
    "Trong thời gian tới, VKSND tỉnh sẽ tiếp tục mở các lớp chuyên sâu về bảo mật thông tin và "
    "khai thác dữ liệu thống kê tội phạm, đồng thời giao mỗi đơn vị cấp huyện cử một cán bộ làm "
    "đầu mối hỗ trợ đồng nghiệp trong quá trình chuyển sang hồ sơ điện tử.",
]
KEY_SENTENCE = "toàn tỉnh mới số hóa được 41,6% số hồ sơ vụ án đã kết thúc"

# Every photo caption, in order; the 3rd and 4th are broken over two lines in the file.
CAPTIONS = [
    "Đồng chí Phạm Thu Hằng, Viện trưởng VKSND tỉnh Quảng Trị phát biểu khai mạc lớp tập huấn",
    "Học viên theo dõi bài giảng tại điểm cầu chính",
    "Đồng chí Đỗ Văn Khánh, Phó Viện trưởng VKSND tỉnh Quảng Trị giải đáp câu hỏi của học viên",
    "Kiểm sát viên Lý Thị Ngọc Ánh, VKSND huyện Hải Lăng, thực hành ký số trên văn bản tố tụng",
    "Đại diện các đơn vị chụp ảnh lưu niệm",
]

# The portal's chrome, none of which may reach the article.
CHROME = [
    "CỔNG THÔNG TIN",
    "VIỆN KIỂM SÁT NHÂN DÂN TỐI CAO",
    "The Supreme People",
    "Cỡ chữ",
    "Tương phản",
    "Tìm kiếm",
]
