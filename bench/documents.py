"""The documents part of the benchmark: its dataset, and the measurements that are not pages.

Dataset (the issue's volume): about 200,000 documents for the main committee at commune
scale, over the last five years —

- the Office's incoming book: 5,000 documents a year from the city committee, its
  boards, the commune's People's Committee, the mass organisations and the cells;
- the Office's outgoing documents: 1,500 a year, numbered per type and period;
- the copies that 38 % of them (plans, notices, guidance…) deliver on the platform into
  the incoming book of every cell (about 60), with read receipts for three in four.

Arrival numbers run without gaps per book and per year, references look like the real
ones ("123-CV/TU", "45/KH-UBND", "09-KH/ĐU"), most documents are closed, recent ones are
still open and a few old ones are overdue; a share has direction and assignments. The
denormalised fields are filled the way the services fill them (the folded reference and
search text come from the services' own `_search_text`), and the registry counters are
set to the last numbers, so registering on top of the dataset continues the books.

Rows are inserted in batches of 5,000 inside one transaction (see `_Rows` for why not with
bulk_create), with their own created/updated times. The dataset is built when the main
committee has no incoming document, so an older benchmark database gets it on reuse.

Measurements, printed as JSON lines after the page scenarios:

- documents.incoming.*.htmx: the list and the searches as the search box asks for them
  (HX-Request: the table partial only);
- documents.export.xlsx.incoming / .outgoing: the busiest full year of the Office's book
  exported to XLSX (capuyso.documents.exports), median of 3 runs;
- documents.register.concurrent50: 50 threads, each on its own connection, registering
  into the Office's book at the same instant: wall time, errors, consecutive numbers.
  These 50 documents stay in the dataset (like a real burst of registrations).
"""

from __future__ import annotations

import datetime as dt
import random
import re
import statistics
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from hashlib import sha256
from operator import itemgetter

from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Count, Exists, Max, OuterRef
from django.urls import reverse
from django.utils import timezone

from bench.scenarios import Scenario
from capuyso.accounts.models import User
from capuyso.accounts.roles import Role
from capuyso.audit.services import Verb, audit_record
from capuyso.core import demo
from capuyso.core.text import fold
from capuyso.documents import exports, search
from capuyso.documents.layout import format_reference
from capuyso.documents.models import (
    Assignment,
    DocumentEvent,
    DocumentRead,
    DocumentType,
    DraftVersion,
    IncomingDocument,
    IssuerBody,
    OutgoingDocument,
    OutgoingRecipient,
    Registry,
    RegistryCounter,
    Secrecy,
    StoredFile,
    Urgency,
)
from capuyso.documents.services import incoming as incoming_services
from capuyso.documents.services import outgoing as outgoing_services
from capuyso.documents.services.config import issuer_for_platform, office_of, registry_for
from capuyso.documents.services.numbering import outgoing_period
from capuyso.members.models import Member
from capuyso.org.models import Position, Unit

SEED = 2026
BATCH = 5000
CONCURRENT = 50
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class Volume:
    incoming_per_year: int  # the Office's incoming book
    outgoing_per_year: int  # issued by the Office
    dispatched_share: float = 0.38  # of issued documents: sent on the platform to every cell
    years: int = 5


VOLUMES = {
    "tiny": Volume(incoming_per_year=200, outgoing_per_year=50),  # 8 cells: ~2,000 documents
    "commune": Volume(incoming_per_year=5000, outgoing_per_year=1500),  # 59 cells: ~200,000
    "city": Volume(incoming_per_year=5000, outgoing_per_year=1500),  # the main committee only
}

# --- what the documents say --------------------------------------------------------------

ROMAN = ("I", "II", "III", "IV")
TOPICS = (
    "chuyển đổi số",
    "phát triển đảng viên",
    "thu, nộp đảng phí",
    "xây dựng nông thôn mới nâng cao",
    "cải cách hành chính",
    "phòng, chống tham nhũng, lãng phí",
    "bảo đảm an ninh, trật tự",
    "bảo vệ môi trường",
    "công tác dân vận",
    "công tác cán bộ",
)
HOLIDAYS = ("Tết Nguyên đán", "Quốc khánh 2/9", "30/4 và 1/5", "Giỗ Tổ Hùng Vương")
SUMMARIES = {
    "KH": (
        "Kế hoạch thực hiện chuyển đổi số năm {year}",
        "Kế hoạch triển khai chuyển đổi số trong các cơ quan đảng năm {year}",
        "Kế hoạch kiểm tra, giám sát năm {year}",
        "Kế hoạch tổ chức các hoạt động kỷ niệm {anniv} năm Ngày thành lập Đảng Cộng sản Việt Nam",
        "Kế hoạch kiểm điểm, đánh giá, xếp loại chất lượng tổ chức đảng, đảng viên năm {year}",
        "Kế hoạch học tập, quán triệt và triển khai thực hiện Nghị quyết Hội nghị lần thứ {k} "
        "Ban Chấp hành Trung ương Đảng",
        "Kế hoạch tổ chức Đại hội chi bộ trực thuộc nhiệm kỳ 2025–2027",
        "Kế hoạch phát triển đảng viên năm {year}",
        "Kế hoạch tuyên truyền, vận động Nhân dân tham gia {topic} năm {year}",
        "Kế hoạch thu, nộp và quản lý đảng phí năm {year}",
    ),
    "BC": (
        "Báo cáo kết quả thu đảng phí quý {quarter} năm {year}",
        "Báo cáo sơ kết công tác xây dựng Đảng 6 tháng đầu năm {year}",
        "Báo cáo tổng kết công tác xây dựng Đảng năm {year}, phương hướng nhiệm vụ năm {next}",
        "Báo cáo tình hình tư tưởng của cán bộ, đảng viên và Nhân dân tháng {month}/{year}",
        "Báo cáo kết quả công tác kiểm tra, giám sát quý {quarter} năm {year}",
        "Báo cáo kết quả thực hiện chuyển đổi số quý {quarter} năm {year}",
        "Báo cáo kết quả {topic} năm {year}",
    ),
    "TB": (
        "Thông báo kết luận của Ban Thường vụ Thành ủy tại hội nghị ngày {date}",
        "Thông báo kết luận của Thường trực Đảng ủy về {topic}",
        "Thông báo lịch công tác tuần {week} của Thường trực Đảng ủy",
        "Thông báo ý kiến chỉ đạo của Ban Thường vụ về việc chuẩn bị Đại hội Đảng bộ",
        "Thông báo danh sách đảng viên được tặng Huy hiệu Đảng đợt {date}",
    ),
    "CV": (
        "V/v đôn đốc báo cáo kết quả thu đảng phí quý {quarter} năm {year}",
        "V/v tăng cường công tác phòng, chống thiên tai, tìm kiếm cứu nạn năm {year}",
        "V/v rà soát, cập nhật thông tin đảng viên trên cơ sở dữ liệu",
        "V/v chuẩn bị nội dung hội nghị Ban Chấp hành Đảng bộ tháng {month}/{year}",
        "V/v triển khai ứng dụng Sổ tay đảng viên điện tử",
        "V/v đề nghị cung cấp thông tin phục vụ công tác kiểm tra",
        "V/v bảo đảm an ninh, trật tự trên địa bàn dịp {holiday} năm {year}",
        "V/v đẩy mạnh {topic} trên địa bàn xã",
    ),
    "NQ": (
        "Nghị quyết về lãnh đạo thực hiện nhiệm vụ chính trị năm {year}",
        "Nghị quyết về chuyển đổi số trong hoạt động của Đảng bộ giai đoạn 2025–2030",
        "Nghị quyết lãnh đạo {topic} quý {quarter} năm {year}",
    ),
    "QĐ": (
        "Quyết định kết nạp đảng viên",
        "Quyết định công nhận đảng viên chính thức",
        "Quyết định thành lập Đoàn kiểm tra việc chấp hành Điều lệ Đảng năm {year}",
        "Quyết định tặng Huy hiệu Đảng đợt {date}",
        "Quyết định chuẩn y kết quả bầu cử Ban Chi ủy nhiệm kỳ 2025–2027",
    ),
    "HD": (
        "Hướng dẫn kiểm điểm, đánh giá, xếp loại chất lượng tổ chức đảng, đảng viên năm {year}",
        "Hướng dẫn nâng cao chất lượng sinh hoạt chi bộ năm {year}",
        "Hướng dẫn thực hiện quy định về thu, nộp đảng phí",
    ),
    "CT": ("Chỉ thị về lãnh đạo tổ chức {holiday} năm {next}",),
    "KL": ("Kết luận của Ban Thường vụ Thành ủy về {topic}",),
    "CTr": (
        "Chương trình công tác năm {year} của Ban Chấp hành Đảng bộ",
        "Chương trình kiểm tra, giám sát năm {year}",
    ),
    "TTr": (
        "Tờ trình đề nghị kết nạp đảng viên",
        "Tờ trình về việc đề nghị tặng Huy hiệu Đảng đợt {date}",
    ),
    "BB": ("Biên bản hội nghị Ban Chấp hành Đảng bộ mở rộng tháng {month}/{year}",),
    "ĐA": ("Đề án chuyển đổi số trong các cơ quan đảng giai đoạn 2025–2030",),
}
TYPE_WEIGHTS = {"CV": 30, "KH": 18, "TB": 14, "BC": 10, "HD": 8, "QĐ": 6, "KL": 3, "NQ": 3,
                "CTr": 3, "CT": 2, "TTr": 1, "BB": 1, "ĐA": 1}  # fmt: skip
# name ("{commune}" is "xã …"), abbreviation, reference style, weight, types
ISSUERS = (
    ("Thành ủy Hà Nội", "TU", "party", 14, ("KH", "CT", "KL", "TB", "HD", "QĐ", "NQ", "CV", "CTr")),
    ("Văn phòng Thành ủy Hà Nội", "VPTU", "party", 10, ("CV", "TB")),
    ("Ban Tổ chức Thành ủy Hà Nội", "BTCTU", "party", 8, ("HD", "CV", "KH", "TB")),
    ("Ủy ban Kiểm tra Thành ủy Hà Nội", "UBKTTU", "party", 5, ("KH", "CV", "TB", "QĐ")),
    ("Ban Tuyên giáo và Dân vận Thành ủy Hà Nội", "BTGDVTU", "party", 7, ("HD", "KH", "CV")),
    ("Đảng ủy các cơ quan Đảng Thành phố Hà Nội", "ĐUK", "party", 3, ("CV", "TB", "KH")),
    ("Ủy ban nhân dân {commune}", "UBND", "state", 20, ("CV", "KH", "BC", "TB", "QĐ")),
    ("Hội đồng nhân dân {commune}", "HĐND", "state", 4, ("TB", "BC", "CV")),
    ("Ủy ban Mặt trận Tổ quốc Việt Nam {commune}", "MTTQ", "state", 6, ("KH", "BC", "CV")),
    ("Công an {commune}", "CAX", "state", 4, ("BC", "CV")),
    ("Đoàn Thanh niên Cộng sản Hồ Chí Minh {commune}", "ĐTN", "party", 4, ("KH", "BC")),
    ("Hội Liên hiệp Phụ nữ {commune}", "HPN", "state", 3, ("KH", "BC")),
    ("Hội Cựu chiến binh {commune}", "CCB", "state", 3, ("BC", "CV")),
)  # fmt: skip
CELL_REPORTS = ("BC", "BC", "BC", "NQ", "TTr", "BB")  # what cells send up to the Office
CELL_WEIGHT = 9  # their share of the Office's incoming, against the ISSUERS' weights
DISPATCHED_TYPES = ("KH", "TB", "HD", "NQ", "CV", "CTr", "CT", "QĐ")  # to every cell
NOTES = ("Bản chụp", "Đã chuyển bản giấy cho đồng chí Bí thư", "Kèm phụ lục", "Gửi qua thư điện tử")
RESULTS = (
    "Đã triển khai thực hiện",
    "Lưu hồ sơ",
    "Đã báo cáo kết quả",
    "Đã tham mưu văn bản trả lời",
)
BODY = (
    "I. MỤC ĐÍCH, YÊU CẦU\n\nQuán triệt, triển khai nghiêm túc, kịp thời đến các chi bộ.\n\n"
    "II. NỘI DUNG\n\nCác chi bộ xây dựng kế hoạch cụ thể, phân công đảng viên thực hiện.\n\n"
    "III. TỔ CHỨC THỰC HIỆN\n\nVăn phòng Đảng ủy theo dõi, tổng hợp, báo cáo kết quả."
)


# --- the build -----------------------------------------------------------------------------


def ensure(dataset, log: Callable[[str], None] = lambda message: None) -> dict | None:
    """Build the documents of the dataset's main committee unless it has some already.

    Returns the `build.documents.<scale>` line (seconds and counts), or None when reused.
    """
    committee = dataset.committee
    if IncomingDocument.objects.filter(committee=committee).exists():
        return None
    volume = VOLUMES[dataset.scale.name]
    started = time.monotonic()
    with transaction.atomic():
        counts = _Builder(committee, dataset.users, volume, log).build()
    seconds = time.monotonic() - started
    log(f"documents: {counts['documents']} in {seconds:.1f} s")
    return {"name": f"build.documents.{dataset.scale.name}", "seconds": round(seconds, 1), **counts}


# Columns passed to the driver as they are; every other field goes through
# get_db_prep_save (dates, times, UUIDs, JSON, files).
PLAIN_FIELDS = {
    "AutoField",
    "BigAutoField",
    "BooleanField",
    "CharField",
    "TextField",
    "ForeignKey",
    "OneToOneField",
    "IntegerField",
    "SmallIntegerField",
    "BigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "PositiveBigIntegerField",
}


class _Row:
    """One row to insert: its column values by attribute name (`registry_id`), with the
    related objects also under the field's name (`registry`) for the builder to read."""

    def __init__(self, values: dict):
        self.__dict__.update(values)


class _Table:
    """How one model's rows are written: its columns, defaults, value adapters and ids."""

    def __init__(self, model, db):
        meta = model._meta
        self.model = model
        self.pk = meta.pk.attname
        fields = meta.concrete_fields
        self.relations = {f.name: f.attname for f in fields if f.is_relation}
        self.defaults = {
            f.attname: f.get_default()
            for f in fields
            if not (f.has_default() and callable(f.default))
        }
        self.callables = [
            (f.attname, f.default) for f in fields if f.has_default() and callable(f.default)
        ]
        self.get = itemgetter(*(f.attname for f in fields))
        self.adapters = [(i, a) for i, f in enumerate(fields) if (a := self._adapter(f, db))]
        quote = db.ops.quote_name
        self.sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - names from _meta
            quote(meta.db_table),
            ", ".join(quote(f.column) for f in fields),
            ", ".join(["%s"] * len(fields)),
        )
        self.next_id = (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
        self.pending: list[_Row] = []

    @staticmethod
    def _adapter(field, db):
        kind = field.get_internal_type()
        if kind in PLAIN_FIELDS:
            return None  # ints, strings, booleans go to the driver as they are
        if kind == "DateTimeField":
            return db.ops.adapt_datetimefield_value  # aware datetimes only, here
        if kind == "DateField":
            return db.ops.adapt_datefield_value
        return lambda value: field.get_db_prep_save(value, db)  # UUIDs, JSON, files

    def rows(self) -> list[list]:
        rows = []
        for row in self.pending:
            values = list(self.get(row.__dict__))
            for index, adapt in self.adapters:
                values[index] = adapt(values[index])
            rows.append(values)
        return rows


class _Rows:
    """Rows for a bulk load, inserted with INSERT … executemany.

    Django's bulk_create builds a model instance per row and compiles every value of it
    (about 0.5 ms for a 50-column document here), which made the 200,000-document build
    take eight minutes. Here a row is a plain record with its defaults, and it gets its id
    when it is built (the next after the table's largest), so rows that point to it know
    the id at once. Foreign keys are checked at commit (DEFERRABLE INITIALLY DEFERRED on
    SQLite and PostgreSQL) and the id sequences are reset at the end. Every row sets its
    own created_at/updated_at: the history is five years long, and no auto_now applies.
    """

    def __init__(self):
        self.db = connections[DEFAULT_DB_ALIAS]  # the wrapper itself, not the proxy
        self.tables: dict[type, _Table] = {}
        self.inserted: dict[type, int] = defaultdict(int)

    def new(self, model, created: dt.datetime | None = None, updated=None, **values) -> _Row:
        table = self.tables.get(model)
        if table is None:
            table = self.tables[model] = _Table(model, self.db)
        data = dict(table.defaults)
        for attname, default in table.callables:
            data[attname] = default()
        for name, value in values.items():
            attname = table.relations.get(name, name)
            if attname != name:
                data[attname] = None if value is None else value.pk
            data[name] = value
        data[table.pk] = data["pk"] = table.next_id
        table.next_id += 1
        if created is not None:
            data["created_at"] = created
            data["updated_at"] = updated or created
        row = _Row(data)
        table.pending.append(row)
        return row

    def flush(self) -> None:
        with self.db.cursor() as cursor:
            for model, table in self.tables.items():
                rows = table.rows()
                for first in range(0, len(rows), BATCH):
                    cursor.executemany(table.sql, rows[first : first + BATCH])
                self.inserted[model] += len(rows)
                table.pending = []

    def finish(self) -> None:
        self.flush()
        with self.db.cursor() as cursor:
            for sql in self.db.ops.sequence_reset_sql(no_style(), list(self.inserted)):
                cursor.execute(sql)


class _Builder:
    def __init__(self, committee, users: dict, volume: Volume, log):
        self.committee = committee
        self.users = users
        self.volume = volume
        self.log = log
        self.rng = random.Random(SEED)
        self.zone = timezone.get_current_timezone()
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.rows = _Rows()
        # (registry pk, period, sequence) -> last number given
        self.counters: dict[tuple[int, str, str], int] = defaultdict(int)

    def build(self) -> dict:
        self._setup()
        self._office_incoming()
        self._outgoing()
        self.rows.finish()
        # The services index each document they write (FTS5 on SQLite); a bulk load
        # rebuilds the indexes once.
        search.rebuild("incoming")
        search.rebuild("outgoing")
        for (registry_id, period, sequence), last in self.counters.items():
            RegistryCounter.objects.update_or_create(
                registry_id=registry_id,
                period=period,
                sequence=sequence,
                defaults={"last_number": last},
            )
        inserted = {model._meta.model_name: n for model, n in self.rows.inserted.items()}
        counts = {
            "documents": inserted["incomingdocument"] + inserted["outgoingdocument"],
            "incoming_office": self.incoming_office,
            "incoming_cells": inserted["incomingdocument"] - self.incoming_office,
            "outgoing": inserted["outgoingdocument"],
            "assignments": inserted.get("assignment", 0),
            "reads": inserted.get("documentread", 0),
            "events": inserted.get("documentevent", 0),
            "files": inserted.get("storedfile", 0),
            "cell_accounts": self.cell_accounts,
        }
        audit_record(
            actor=None,
            verb=Verb.CREATE,
            committee=self.committee,
            object_type="documents.incomingdocument",
            object_label=f"{counts['documents']} generated documents (benchmark bulk import)",
            changes={"documents": [None, counts["documents"]]},
        )
        return counts

    # --- set-up ---------------------------------------------------------------------------

    def _setup(self) -> None:
        committee = self.committee
        start = self.today - dt.timedelta(days=round(365.2425 * self.volume.years))
        every_day = (start + dt.timedelta(days=n) for n in range((self.today - start).days + 1))
        self.days = [day for day in every_day if day.weekday() < 5]
        self.office = office_of(committee)
        self.organs = list(
            Unit.objects.filter(committee=committee, kind__in=Unit.ORGAN_KINDS).order_by("pk")
        )
        # The cells an "all cells" dispatch reaches (as services.outgoing resolves them).
        self.cells = list(
            Unit.objects.filter(
                committee=committee, kind=Unit.Kind.CELL, dissolved_on__isnull=True
            ).order_by("sort_order", "name")
        )
        self.types = {
            t.abbreviation: t
            for t in DocumentType.objects.filter(committee=committee, valid_from__isnull=True)
        }
        commune = re.sub(r"\s*\(\d+\)$", "", committee.name).removeprefix("Đảng bộ ").strip()
        self.issuers = []
        for name, abbreviation, style, weight, types in ISSUERS:
            name = name.format(commune=commune)
            body, _ = IssuerBody.objects.get_or_create(
                committee=committee,
                name=name,
                defaults={"name_folded": fold(name), "abbreviation": abbreviation},
            )
            types = tuple(t for t in types if t in self.types)
            self.issuers.append((body, abbreviation, style, weight, types))
        self.platform_issuer = issuer_for_platform(committee=committee, source_committee=committee)
        self.office_in = registry_for(self.office, Registry.Kind.INCOMING)
        self.office_out = registry_for(self.office, Registry.Kind.OUTGOING)
        self.cell_books = {
            cell.pk: registry_for(cell, Registry.Kind.INCOMING) for cell in self.cells
        }
        self.clerk = self.users["clerk"]
        self.secretary = self.users["secretary"]
        self.readers = self._cell_readers()
        self.periods: dict[dt.date, str] = {}

    def _cell_readers(self) -> dict[int, User]:
        """The secretary of each cell reads its inbox: the benchmark's own cell secretary in
        their cell, and one account (with its position) per other cell."""
        bench = self.users["cell_secretary"]
        positions = Position.objects.filter(user=bench, role=Role.CELL_SECRETARY)
        readers = {p.unit_id: bench for p in positions}
        new = []
        for index, cell in enumerate(self.cells, start=1):
            if cell.pk in readers:
                continue
            name = demo.person_name(self.rng, self.rng.choice(Member.Sex.values))
            user = User(
                committee=self.committee,
                username=f"bench-cell-{self.committee.pk}-{index:03d}",
                full_name=name,
                full_name_folded=fold(name),
            )
            user.set_unusable_password()
            new.append((cell, user))
        User.objects.bulk_create([user for _cell, user in new])
        Position.objects.bulk_create(
            Position(
                committee=self.committee,
                user=user,
                role=Role.CELL_SECRETARY,
                unit=cell,
                title="Bí thư Chi bộ",
                start_date=self.days[0],
            )
            for cell, user in new
        )
        self.cell_accounts = len(new)
        readers.update({cell.pk: user for cell, user in new})
        return readers

    # --- small generators ---------------------------------------------------------------

    def _moment(self, day: dt.date, earliest: int = 7 * 60 + 30, latest: int = 17 * 60):
        minute = self.rng.randint(earliest, latest)
        moment = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=self.zone)
        moment += dt.timedelta(seconds=self.rng.randint(0, 59))
        return min(moment, self.now - dt.timedelta(minutes=5))

    def _later(self, moment: dt.datetime, low_hours: float, high_hours: float) -> dt.datetime:
        later = moment + dt.timedelta(hours=self.rng.uniform(low_hours, high_hours))
        return min(later, self.now - dt.timedelta(minutes=1))

    def _local_date(self, moment: dt.datetime) -> dt.date:
        return moment.astimezone(self.zone).date()

    def _summary(self, abbreviation: str, day: dt.date) -> str:
        rng = self.rng
        template = rng.choice(SUMMARIES.get(abbreviation, SUMMARIES["CV"]))
        return template.format(
            year=day.year,
            next=day.year + 1,
            quarter=ROMAN[(day.month - 1) // 3],
            month=day.month,
            date=day.strftime("%d/%m/%Y"),
            week=day.isocalendar().week,
            k=rng.randint(8, 14),
            anniv=day.year - 1930,
            topic=rng.choice(TOPICS),
            holiday=rng.choice(HOLIDAYS),
        )

    def _file(self, name: str, purpose: str, created: dt.datetime) -> StoredFile:
        """A stored file's row (the benchmark writes no file to disk)."""
        digest = sha256(f"{name}{created.isoformat()}".encode()).hexdigest()
        pdf = purpose == StoredFile.Purpose.ORIGINAL
        suffix = ".pdf" if pdf else ".docx"
        return self.rows.new(
            StoredFile,
            created,
            committee=self.committee,
            file=f"bench/{digest[:2]}/{digest[:16]}{suffix}",
            original_name=re.sub(r"[^0-9a-z-]+", "-", fold(name))[:80] + suffix,
            content_type="application/pdf" if pdf else DOCX,
            size=self.rng.randint(60_000, 2_500_000),
            sha256=digest,
            purpose=purpose,
            uploaded_by=self.clerk,
            has_text_layer=pdf,
        )

    def _attach(self, document: IncomingDocument, stored: StoredFile) -> None:
        through = IncomingDocument.files.through
        self.rows.new(through, incomingdocument_id=document.pk, storedfile_id=stored.pk)

    def _event(self, kind, moment, actor=None, *, incoming=None, outgoing=None, text="", **data):
        self.rows.new(
            DocumentEvent,
            moment,
            committee=self.committee,
            incoming=incoming,
            outgoing=outgoing,
            assignment=data.pop("assignment", None),
            kind=kind,
            actor=actor,
            text=text,
            data=data,
        )

    def _arrival(self, registry: Registry, received_at: dt.datetime) -> tuple[int, int]:
        year = self._local_date(received_at).year
        key = (registry.pk, str(year), "")
        self.counters[key] += 1
        return year, self.counters[key]

    # --- the Office's incoming book -------------------------------------------------------

    def _office_incoming(self) -> None:
        rng = self.rng
        total = self.volume.incoming_per_year * self.volume.years
        moments = sorted(self._moment(rng.choice(self.days)) for _ in range(total))
        weights = [w for *_rest, w, _types in self.issuers] + [CELL_WEIGHT]
        issued_numbers: dict[tuple[str, int], int] = defaultdict(int)
        for count, received_at in enumerate(moments, start=1):
            pick = rng.choices(range(len(weights)), weights=weights)[0]
            day = self._local_date(received_at)
            document_date = max(self.days[0], day - dt.timedelta(days=rng.randint(0, 8)))
            if pick < len(self.issuers):
                body, abbreviation, style, _weight, types = self.issuers[pick]
                type_abbr = rng.choices(types, weights=[TYPE_WEIGHTS[t] for t in types])[0]
                issuer, issuer_name = body, body.name
            else:  # a cell reporting to the Office
                abbreviation, style, type_abbr = "CB", "party", rng.choice(CELL_REPORTS)
                issuer, issuer_name = None, rng.choice(self.cells).name
            key = (issuer_name, document_date.year)
            issued_numbers[key] += rng.randint(1, 9 if issuer else 2)
            number = issued_numbers[key]
            if style == "party":
                reference = f"{number:02d}-{type_abbr}/{abbreviation}"
            elif type_abbr == "CV":
                reference = f"{number}/{abbreviation}-VP"
            else:
                reference = f"{number}/{type_abbr}-{abbreviation}"
            document = self._incoming(
                received_at, issuer, issuer_name, reference, document_date, type_abbr
            )
            if document.channel != IncomingDocument.Channel.PAPER:
                self._attach(document, self._file(reference, "original", received_at))
            self._handling(document)
            if count % BATCH == 0 or count == total:
                self.rows.flush()
                self.log(f"documents: {count}/{total} incoming to the Office")
        self.incoming_office = total

    def _incoming(self, received_at, issuer, issuer_name, reference, document_date, abbr):
        rng = self.rng
        roll = rng.random()
        secrecy = Secrecy.SECRET if roll < 0.02 else Secrecy.TOP_SECRET if roll < 0.023 else ""
        roll = rng.random()
        urgency = ""
        for level, below in ((Urgency.FLASH, 0.005), (Urgency.VERY_URGENT, 0.025),
                             (Urgency.URGENT, 0.105)):  # fmt: skip
            if roll < below:
                urgency = level
                break
        if secrecy or rng.random() < 0.35:
            channel = IncomingDocument.Channel.PAPER
        else:
            channel = rng.choice((IncomingDocument.Channel.EMAIL, IncomingDocument.Channel.UPLOAD))
        day = self._local_date(received_at)
        year, number = self._arrival(self.office_in, received_at)
        document = self.rows.new(
            IncomingDocument,
            received_at,
            committee=self.committee,
            registry=self.office_in,
            receiving_unit=self.office,
            receiving_path=self.office.path,
            year=year,
            arrival_number=number,
            received_at=received_at,
            channel=channel,
            issuer=issuer,
            issuer_name=issuer_name,
            reference=reference,
            reference_folded=fold(reference),
            document_date=document_date,
            doc_type=self.types[abbr],
            summary=self._summary(abbr, document_date),
            secrecy=secrecy,
            urgency=urgency,
            page_count=rng.randint(1, 12),
            paper_holder="Văn phòng Đảng ủy (tủ tài liệu mật)" if secrecy else "",
            due_date=day + dt.timedelta(days=rng.randint(5, 30)) if rng.random() < 0.35 else None,
            note=rng.choice(NOTES) if rng.random() < 0.05 else "",
            registered_by=self.clerk,
        )
        document.search_folded = incoming_services._search_text(document)
        return document

    def _handling(self, document: IncomingDocument) -> None:
        """Status, direction, assignments and timeline of one document of the Office."""
        rng, Status = self.rng, IncomingDocument.Status
        received = document.received_at
        age = (self.today - self._local_date(received)).days
        if age > 60:  # a few old ones were never closed: overdue when they had a deadline
            status = Status.COMPLETED
            if rng.random() > 0.975:
                status = rng.choice((Status.DIRECTED, Status.IN_PROGRESS))
        elif rng.random() < age / 60 * 0.9:
            status = Status.COMPLETED
        else:
            status = rng.choice(
                (Status.REGISTERED, Status.SUBMITTED, Status.DIRECTED, Status.IN_PROGRESS)
            )
        directed = status in (Status.DIRECTED, Status.IN_PROGRESS) or (
            status == Status.COMPLETED and rng.random() < 0.45
        )
        files = int(document.channel != IncomingDocument.Channel.PAPER)
        self._event(
            DocumentEvent.Kind.REGISTERED,
            received,
            self.clerk,
            incoming=document,
            number=document.arrival_number,
            files=files,
        )
        last = received
        if directed or status == Status.SUBMITTED:
            document.submitted_to = self.secretary
            document.submitted_at = last = self._later(received, 0.5, 8)
            self._event(
                DocumentEvent.Kind.SUBMITTED,
                last,
                self.clerk,
                incoming=document,
                text=self.secretary.full_name,
            )
        assignments = []
        if directed:
            document.directed_at = last = self._later(last, 1, 48)
            assignments = self._assignments(document, last)
            lead = assignments[0]
            document.direction = f"Giao {lead.unit.name} chủ trì, tham mưu thực hiện."
            if len(assignments) > 1 and assignments[1].role == Assignment.Role.SUPPORT:
                document.direction += f" {assignments[1].unit.name} phối hợp."
            document.directed_by = self.secretary
            self._event(
                DocumentEvent.Kind.DIRECTED,
                last,
                self.secretary,
                incoming=document,
                text=document.direction,
            )
        if status == Status.COMPLETED:
            document.completed_at = last = self._later(last, 4, 24 * rng.randint(1, 20))
            document.completed_by = self.clerk
            document.result = rng.choice(RESULTS)
            document.handled_on_platform = rng.random() < 0.85
            for assignment in assignments:
                assignment.status = Assignment.Status.DONE
                assignment.done_at = assignment.updated_at = last
                if assignment.role == Assignment.Role.LEAD:
                    assignment.result = document.result
                    self._event(
                        DocumentEvent.Kind.RESULT,
                        last,
                        self.clerk,
                        incoming=document,
                        assignment=assignment,
                        text=document.result,
                    )
            self._event(
                DocumentEvent.Kind.COMPLETED,
                last,
                self.clerk,
                incoming=document,
                text=document.result,
            )
        elif status == Status.IN_PROGRESS:
            assignments[0].status = Assignment.Status.IN_PROGRESS
        document.status = status
        document.updated_at = last
        document.version = 1 + sum(1 for m in (document.directed_at, document.completed_at) if m)

    def _assignments(self, document, directed_at) -> list[Assignment]:
        rng = self.rng
        common = {
            "committee": self.committee,
            "document": document,
            "assigned_by": self.secretary,
            "due_date": document.due_date,
        }
        roll = rng.random()
        if roll < 0.55:
            lead = {"unit": rng.choice(self.organs)}
        elif roll < 0.9:
            lead = {"unit": rng.choice(self.cells)}
        else:  # a person of the Office
            lead = {"unit": self.office, "user": self.clerk}
        new = self.rows.new
        assignments = [new(Assignment, directed_at, role=Assignment.Role.LEAD, **lead, **common)]
        if rng.random() < 0.3:
            support = rng.choice([u for u in self.organs + self.cells if u != lead["unit"]])
            assignments.append(
                new(Assignment, directed_at, role=Assignment.Role.SUPPORT, unit=support, **common)
            )
        if rng.random() < 0.2:
            common["due_date"] = None
            fyi = rng.choice(self.cells)
            assignments.append(
                new(Assignment, directed_at, role=Assignment.Role.FYI, unit=fyi, **common)
            )
        return assignments

    # --- the Office's outgoing documents and their copies in the cells -----------------------

    def _outgoing(self) -> None:
        rng = self.rng
        total = self.volume.outgoing_per_year * self.volume.years
        moments = sorted(self._moment(rng.choice(self.days), 8 * 60, 17 * 60) for _ in range(total))
        types = [t for t in TYPE_WEIGHTS if t in self.types and t != "BB"]
        weights = [TYPE_WEIGHTS[t] for t in types]
        dispatchable = sum(w for t, w in zip(types, weights, strict=True) if t in DISPATCHED_TYPES)
        share = min(1.0, self.volume.dispatched_share * sum(weights) / dispatchable)
        copies = 0
        for count, issued_at in enumerate(moments, start=1):
            abbr = rng.choices(types, weights=weights)[0]
            dispatched = abbr in DISPATCHED_TYPES and rng.random() < share
            document = self._issued(issued_at, abbr, dispatched)
            if dispatched:
                self._dispatch(document)
                copies += len(self.cells)
            if copies >= BATCH or count == total:
                self.rows.flush()
                copies = 0
            if count % 1000 == 0 or count == total:
                self.log(f"documents: {count}/{total} outgoing, delivered to the cells")
        self._unissued_drafts()

    def _period(self, day: dt.date) -> str:
        if day not in self.periods:
            self.periods[day] = outgoing_period(self.office_out, day)
        return self.periods[day]

    def _issued(self, issued_at, abbr, dispatched) -> OutgoingDocument:
        rng = self.rng
        day = self._local_date(issued_at)
        doc_type = self.types[abbr]
        period = self._period(day)
        key = (self.office_out.pk, period, doc_type.sequence_group or doc_type.abbreviation)
        self.counters[key] += 1
        number = self.counters[key]
        reference = format_reference(number, abbr, self.office_out.issuer_abbreviation)
        secret = not dispatched and rng.random() < 0.01
        cancelled = not dispatched and rng.random() < 0.007
        recipients = ["Ban Thường vụ Thành ủy (để báo cáo)"]
        if dispatched:
            recipients.append("Các chi bộ trực thuộc (để thực hiện)")
        elif abbr in ("CV", "TTr"):
            recipients.append("Ủy ban nhân dân xã (để phối hợp)")
        recipients.append("Lưu Văn phòng Đảng ủy")
        created = issued_at - dt.timedelta(hours=rng.uniform(24, 24 * 6))
        approved = issued_at - dt.timedelta(hours=rng.uniform(1, 20))
        cancelled_at = self._later(issued_at, 24, 24 * 10) if cancelled else None
        document = self.rows.new(
            OutgoingDocument,
            created,
            cancelled_at or issued_at,
            committee=self.committee,
            registry=self.office_out,
            issuing_unit=self.office,
            issuing_path=self.office.path,
            doc_type=doc_type,
            summary=self._summary(abbr, day),
            body="" if secret else BODY,
            secrecy=Secrecy.SECRET if secret else "",
            urgency=Urgency.URGENT if rng.random() < 0.06 else "",
            status=OutgoingDocument.Status.CANCELLED
            if cancelled
            else OutgoingDocument.Status.ISSUED,
            drafted_by=self.clerk,
            signer=self.secretary,
            signature_capacity="T/M BAN THƯỜNG VỤ",
            signer_title="BÍ THƯ",
            recipients_text="\n".join(f"- {line};" for line in recipients),
            copies=rng.randint(2, 8),
            approved_by=self.secretary,
            approved_at=approved,
            period=period,
            number=number,
            reference=reference,
            reference_folded=fold(reference),
            issue_date=day,
            issued_at=issued_at,
            issued_by=self.clerk,
            cancelled_at=cancelled_at,
            cancel_reason="Ban hành nhầm nội dung, thay thế bằng văn bản khác" if cancelled else "",
            version=5 if cancelled else 4,
        )
        document.search_folded = outgoing_services._search_text(document)
        Kind = DocumentEvent.Kind
        self._event(Kind.DRAFTED, created, self.clerk, outgoing=document)
        self._event(Kind.APPROVED, approved, self.secretary, outgoing=document)
        self._event(Kind.ISSUED, issued_at, self.clerk, outgoing=document, reference=reference)
        if cancelled:
            self._event(
                Kind.CANCELLED, cancelled_at, self.clerk, outgoing=document,
                text=document.cancel_reason,
            )  # fmt: skip
        if not secret:
            draft = self._file(f"du-thao-{abbr}-v1", StoredFile.Purpose.DRAFT, created)
            document.issued_file = self._file(reference, StoredFile.Purpose.ISSUED, issued_at)
            for number, stored, note, moment in (
                (1, draft, "Dự thảo lần 1", created),
                (2, document.issued_file, f"Bản phát hành, số {reference}", issued_at),
            ):
                self.rows.new(
                    DraftVersion,
                    moment,
                    committee=self.committee,
                    document=document,
                    number=number,
                    file=stored,
                    note=note,
                    author=self.clerk,
                )
        return document

    def _dispatch(self, document: OutgoingDocument) -> None:
        """What the platform delivers into each cell's book (services.outgoing._dispatch),
        and who read it there."""
        rng, Status = self.rng, IncomingDocument.Status
        issuer = self.platform_issuer
        received = min(document.issued_at + dt.timedelta(seconds=rng.randint(20, 120)), self.now)
        for cell in self.cells:
            recipient = self.rows.new(
                OutgoingRecipient,
                document.issued_at,
                received,
                committee=self.committee,
                document=document,
                unit=cell,
                name=cell.name,
                method=OutgoingRecipient.Method.PLATFORM,
                sent_at=received,
            )
            year, number = self._arrival(self.cell_books[cell.pk], received)
            copy = self.rows.new(
                IncomingDocument,
                received,
                committee=self.committee,
                registry=self.cell_books[cell.pk],
                receiving_unit=cell,
                receiving_path=cell.path,
                year=year,
                arrival_number=number,
                received_at=received,
                channel=IncomingDocument.Channel.PLATFORM,
                issuer=issuer,
                issuer_name=issuer.name,
                reference=document.reference,
                reference_folded=document.reference_folded,
                document_date=document.issue_date,
                doc_type=document.doc_type,
                summary=document.summary,
                urgency=document.urgency,
                source_recipient=recipient,
            )
            copy.search_folded = incoming_services._search_text(copy)
            self._attach(copy, document.issued_file)
            self._event(
                DocumentEvent.Kind.REGISTERED, received, incoming=copy, number=number, files=1
            )
            if rng.random() >= 0.75:
                continue  # not opened yet
            reader = self.readers[cell.pk]
            opened = self._later(received, 0.2, rng.choice((2, 12, 72)))
            times = rng.randint(1, 4)
            last = self._later(opened, 0, 24 * 7) if times > 1 else opened
            self.rows.new(
                DocumentRead,
                opened,
                last,
                committee=self.committee,
                document=copy,
                user=reader,
                first_opened_at=opened,
                last_opened_at=last,
                times=times,
            )
            if (self.now - received).days > 30 and rng.random() < 0.85:
                copy.status = Status.COMPLETED
                copy.completed_at = copy.updated_at = self._later(opened, 1, 24 * 14)
                copy.completed_by = reader
                copy.result = "Đã phổ biến đến đảng viên trong chi bộ"
                copy.handled_on_platform = True
                copy.version = 2
        self._event(
            DocumentEvent.Kind.DISPATCHED,
            received,
            self.clerk,
            outgoing=document,
            recipients=len(self.cells),
        )

    def _unissued_drafts(self) -> None:
        """Work in progress: a few recent drafts, some in review or approved, unnumbered."""
        rng, Status = self.rng, OutgoingDocument.Status
        recent = [d for d in self.days if (self.today - d).days <= 15] or self.days[-1:]
        for _ in range(max(3, self.volume.outgoing_per_year // 50)):
            abbr = rng.choice(("KH", "TB", "CV", "BC"))
            created = self._moment(rng.choice(recent))
            status = rng.choice((Status.DRAFT, Status.IN_REVIEW, Status.APPROVED))
            approved = status == Status.APPROVED
            document = self.rows.new(
                OutgoingDocument,
                created,
                committee=self.committee,
                registry=self.office_out,
                issuing_unit=self.office,
                issuing_path=self.office.path,
                doc_type=self.types[abbr],
                summary=self._summary(abbr, self.today),
                body=BODY,
                status=status,
                drafted_by=self.clerk,
                signer=self.secretary,
                signature_capacity="T/M BAN THƯỜNG VỤ",
                signer_title="BÍ THƯ",
                recipients_text="- Các chi bộ trực thuộc;\n- Lưu Văn phòng Đảng ủy",
                approved_by=self.secretary if approved else None,
                approved_at=self._later(created, 1, 24) if approved else None,
            )
            document.search_folded = outgoing_services._search_text(document)
            self._event(DocumentEvent.Kind.DRAFTED, created, self.clerk, outgoing=document)


# --- what the scenarios open -----------------------------------------------------------------


def picks(dataset) -> dict:
    """Codes the scenarios open, chosen in the data (works on a reused dataset too)."""
    committee = dataset.committee
    chosen: dict = {}
    office = office_of(committee)
    # A closed document of the Office with a lead and a supporting unit: a full page.
    incoming = (
        Assignment.objects.filter(
            committee=committee,
            role=Assignment.Role.SUPPORT,
            document__receiving_unit=office,
            document__status=IncomingDocument.Status.COMPLETED,
        )
        .order_by("-document__received_at")
        .values_list("document__code", flat=True)
        .first()
    )
    if incoming:
        chosen["incoming_detail"] = incoming
    platform = OutgoingRecipient.objects.filter(
        document=OuterRef("pk"), method=OutgoingRecipient.Method.PLATFORM
    )
    outgoing = (
        OutgoingDocument.objects.filter(committee=committee, status=OutgoingDocument.Status.ISSUED)
        .filter(Exists(platform))
        .order_by("-issue_date", "-pk")
        .values_list("code", flat=True)
        .first()
    )
    if outgoing:
        chosen["outgoing_detail"] = outgoing
    years = dict(
        IncomingDocument.objects.filter(
            committee=committee, registry__unit=office, registry__kind=Registry.Kind.INCOMING
        )
        .order_by()
        .values("year")
        .annotate(n=Count("pk"))
        .values_list("year", "n")
    )
    full = {y: n for y, n in years.items() if min(years) < y < max(years)} or years
    if full:
        chosen["export_year"] = max(full, key=lambda y: (full[y], y))
    return chosen


# --- measurements that are not pages -----------------------------------------------------------


# Search as the page does it while one types: the htmx request for the table only.
PARTIALS = (
    ("documents.incoming.list.htmx", {}),
    ("documents.incoming.search.words.htmx", {"q": "ke hoach chuyen doi so"}),
    ("documents.incoming.search.reference.htmx", {"q": "09-KH"}),
    ("documents.incoming.search.diacritics.htmx", {"q": "Đảng ủy"}),
)


def measure(dataset, *, only: str = "", n: int = 50) -> Iterator[dict]:
    """The JSON lines of the measurements that are not page scenarios, selected by `only`
    (a name prefix): the search partials, the registry export, concurrent registration."""
    for name, query in PARTIALS:
        if not only or name.startswith(only):
            yield from _partial(dataset, name, query, n)
    measurements = (
        ("documents.export.xlsx.incoming", lambda name: _export(dataset, name, "incoming")),
        ("documents.export.xlsx.outgoing", lambda name: _export(dataset, name, "outgoing")),
        (f"documents.register.concurrent{CONCURRENT}", lambda name: _concurrent(dataset, name)),
    )
    for name, function in measurements:
        if only and not name.startswith(only):
            continue
        try:
            yield function(name)
        except Exception as exc:  # noqa: BLE001 - report and go on, like the page scenarios
            yield {"name": name, "error": f"{type(exc).__name__}: {exc}"}


def _partial(dataset, name: str, query: dict, n: int) -> Iterator[dict]:
    """The incoming table alone (HX-Request), timed like a page scenario."""
    from bench import runner  # imports bench.dataset, which imports this module

    clerk = dataset.users.get("clerk")
    if clerk is None:
        yield {"name": name, "error": "no benchmark user 'clerk'"}
        return
    client = runner.session_client(clerk)
    client.defaults["HTTP_HX_REQUEST"] = "true"
    scenario = Scenario(name=name, user="clerk", url="documents:incoming_list", query=query)
    try:
        for line in runner._measure(scenario, client, reverse(scenario.url), n):
            if not line["name"].startswith("weight."):
                yield line
    except Exception as exc:  # noqa: BLE001 - report and go on, like the page scenarios
        yield {"name": name, "error": f"{type(exc).__name__}: {exc}"}


def _export(dataset, name: str, kind: str, runs: int = 3) -> dict:
    year = dataset.picks.get("export_year")
    if year is None:
        return {"name": name, "error": "the dataset has no documents"}
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        # export_registry_xlsx(...) is export_registry(..., fmt="xlsx").content; this call
        # also says how many rows the book had.
        result = exports.export_registry(dataset.committee, kind, start, end, fmt="xlsx")
        seconds.append(time.perf_counter() - started)
    return {
        "name": name,
        "seconds": round(statistics.median(seconds), 2),
        "max_seconds": round(max(seconds), 2),
        "runs": runs,
        "rows": result.rows,
        "year": year,
        "bytes": len(result.content),
    }


def _concurrent(dataset, name: str, threads: int = CONCURRENT) -> dict:
    """`threads` registrations into the Office's book at the same instant, one connection
    each: PostgreSQL locks the counter row; SQLite queues the IMMEDIATE transactions
    (busy_timeout)."""
    if connection.in_atomic_block:
        # Inside the tests' transaction other connections cannot see the dataset.
        return {"name": name, "error": "skipped: the dataset is in an open transaction"}
    clerk = dataset.users.get("clerk")
    if clerk is None:
        return {"name": name, "error": "no benchmark user 'clerk'"}
    doc_type = DocumentType.objects.get(
        committee=dataset.committee, abbreviation="CV", valid_from__isnull=True
    )
    stamp = timezone.localtime().strftime("%H%M%S")
    barrier = threading.Barrier(threads, timeout=60)

    def register(index: int) -> int:
        try:
            barrier.wait()
            actor = User.objects.get(pk=clerk.pk)  # its own access memo, on its own connection
            document = incoming_services.incoming_register(
                actor=actor,
                doc_type=doc_type,
                issuer_name="Văn phòng Thành ủy Hà Nội",
                reference=f"{index + 1}-CV/VPTU-{stamp}",
                summary=f"V/v kiểm tra đồng thời số {index + 1} (benchmark)",
                confirm_duplicate=True,
            )
            return document.arrival_number
        finally:
            connections.close_all()  # this thread's connections

    numbers, errors = [], []
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for future in [pool.submit(register, i) for i in range(threads)]:
            try:
                numbers.append(future.result())
            except Exception as exc:  # noqa: BLE001 - counted and reported
                errors.append(f"{type(exc).__name__}: {exc}")
    seconds = time.perf_counter() - started
    consecutive = (
        len(numbers) == threads
        and len(set(numbers)) == threads
        and max(numbers) - min(numbers) + 1 == threads
    )
    office = office_of(dataset.committee)
    counter = RegistryCounter.objects.filter(
        registry__unit=office,
        registry__kind=Registry.Kind.INCOMING,
        period=str(timezone.localdate().year),
        sequence="",
    ).first()
    line = {
        "name": name,
        "seconds": round(seconds, 2),
        "threads": threads,
        "database": connection.vendor,
        "errors": len(errors),
        "consecutive": consecutive,
        "numbers": f"{min(numbers)}–{max(numbers)}" if numbers else "",
        "counter_matches": bool(numbers)
        and counter is not None
        and counter.last_number == max(numbers),
    }
    if errors:
        line["first_error"] = errors[0][:300]
    return line
