/**
 * Deterministic synthetic data for the sample departments: the same seed gives the same rows on
 * every machine. Names, wards and districts are those of Hồ Chí Minh City; ids have the shapes
 * of the real registers (12-digit citizen ids, 10-digit enterprise codes).
 */
export function seeded(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = ReturnType<typeof seeded>;
const pick = <T>(r: Random, list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
const int = (r: Random, min: number, max: number) => min + Math.floor(r() * (max - min + 1));
const pad = (n: number, width: number) => String(n).padStart(width, '0');
const date = (r: Random, fromYear: number, toYear: number) => `${int(r, fromYear, toYear)}-${pad(int(r, 1, 12), 2)}-${pad(int(r, 1, 28), 2)}`;

const FAMILY_NAMES = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Huỳnh', 'Phan', 'Vũ', 'Võ', 'Đặng', 'Bùi', 'Đỗ', 'Hồ', 'Ngô', 'Dương', 'Lý'] as const;
const MIDDLE_MALE = ['Văn', 'Minh', 'Đức', 'Quốc', 'Hữu', 'Thanh', 'Công'] as const;
const MIDDLE_FEMALE = ['Thị', 'Ngọc', 'Thanh', 'Thu', 'Kim', 'Mỹ'] as const;
const GIVEN_MALE = ['An', 'Bình', 'Cường', 'Dũng', 'Hải', 'Hùng', 'Khoa', 'Long', 'Nam', 'Phúc', 'Quân', 'Sơn', 'Tài', 'Thắng', 'Tuấn', 'Vinh'] as const;
const GIVEN_FEMALE = ['Anh', 'Châu', 'Dung', 'Giang', 'Hà', 'Hạnh', 'Hương', 'Lan', 'Linh', 'Mai', 'Ngân', 'Nhung', 'Oanh', 'Phương', 'Thảo', 'Trang', 'Yến'] as const;

/** Districts of Hồ Chí Minh City with some of their wards. */
export const DISTRICTS: Record<string, readonly string[]> = {
  'Quận 1': ['Phường Bến Nghé', 'Phường Bến Thành', 'Phường Đa Kao', 'Phường Tân Định', 'Phường Cầu Ông Lãnh'],
  'Quận 3': ['Phường Võ Thị Sáu', 'Phường 4', 'Phường 5', 'Phường 9', 'Phường 14'],
  'Quận 4': ['Phường 1', 'Phường 6', 'Phường 13', 'Phường 18'],
  'Quận 5': ['Phường 1', 'Phường 5', 'Phường 11', 'Phường 14'],
  'Quận 7': ['Phường Tân Phong', 'Phường Tân Phú', 'Phường Phú Mỹ', 'Phường Tân Thuận Đông'],
  'Quận 10': ['Phường 2', 'Phường 9', 'Phường 12', 'Phường 15'],
  'Quận Bình Thạnh': ['Phường 1', 'Phường 13', 'Phường 22', 'Phường 25', 'Phường 26'],
  'Quận Gò Vấp': ['Phường 1', 'Phường 5', 'Phường 10', 'Phường 17'],
  'Quận Phú Nhuận': ['Phường 2', 'Phường 7', 'Phường 9', 'Phường 15'],
  'Quận Tân Bình': ['Phường 2', 'Phường 4', 'Phường 12', 'Phường 15'],
  'Quận Bình Tân': ['Phường An Lạc', 'Phường Bình Hưng Hòa', 'Phường Tân Tạo'],
  'Thành phố Thủ Đức': ['Phường Linh Trung', 'Phường Hiệp Phú', 'Phường Thảo Điền', 'Phường An Khánh', 'Phường Long Thạnh Mỹ'],
  'Huyện Củ Chi': ['Thị trấn Củ Chi', 'Xã Tân Thông Hội', 'Xã Phước Vĩnh An'],
  'Huyện Bình Chánh': ['Thị trấn Tân Túc', 'Xã Vĩnh Lộc A', 'Xã Bình Hưng'],
  'Huyện Nhà Bè': ['Thị trấn Nhà Bè', 'Xã Phước Kiển'],
};
const DISTRICT_NAMES = Object.keys(DISTRICTS);
const STREETS = ['Lê Lợi', 'Nguyễn Huệ', 'Hai Bà Trưng', 'Điện Biên Phủ', 'Cách Mạng Tháng Tám', 'Võ Văn Tần', 'Nguyễn Thị Minh Khai', 'Phan Xích Long', 'Lê Văn Sỹ', 'Quang Trung', 'Xa lộ Hà Nội', 'Nguyễn Văn Linh'] as const;

function place(r: Random) {
  const district = pick(r, DISTRICT_NAMES);
  const ward = pick(r, DISTRICTS[district]!);
  return { district, ward, address: `${int(r, 1, 450)} ${pick(r, STREETS)}, ${ward}, ${district}` };
}

function person(r: Random) {
  const male = r() < 0.5;
  return { male, fullName: `${pick(r, FAMILY_NAMES)} ${pick(r, male ? MIDDLE_MALE : MIDDLE_FEMALE)} ${pick(r, male ? GIVEN_MALE : GIVEN_FEMALE)}` };
}

/** Province code 079 is Hồ Chí Minh City; the next digit encodes century and sex as on real cards. */
function citizenId(i: number, birthYear: number, male: boolean): string {
  const centuryGender = (birthYear >= 2000 ? 2 : 0) + (male ? 0 : 1);
  return `079${centuryGender}${pad(birthYear % 100, 2)}${pad(i, 6)}`;
}

export interface Resident {
  citizenId: string;
  fullName: string;
  birthDate: string;
  gender: 'Nam' | 'Nữ';
  district: string;
  ward: string;
  address: string | null;
  householdId: string;
  ethnicity: string;
  registeredAt: string;
}

export function residents(count: number, seed = 2025): Resident[] {
  const r = seeded(seed);
  return Array.from({ length: count }, (_, i) => {
    const { male, fullName } = person(r);
    const birthDate = date(r, 1935, 2024);
    const where = place(r);
    return {
      citizenId: citizenId(i, Number(birthDate.slice(0, 4)), male),
      fullName,
      birthDate,
      gender: male ? 'Nam' : 'Nữ',
      district: where.district,
      ward: where.ward,
      address: r() < 0.03 ? null : where.address,
      householdId: `HK${pad(Math.floor(i / 3.4), 8)}`,
      ethnicity: r() < 0.92 ? 'Kinh' : pick(r, ['Hoa', 'Khmer', 'Chăm', 'Tày']),
      registeredAt: new Date(Date.UTC(2016 + int(r, 0, 8), int(r, 0, 11), int(r, 1, 28), int(r, 7, 17), int(r, 0, 59))).toISOString(),
    };
  });
}

const INDUSTRIES = ['Bán buôn thực phẩm', 'Xây dựng nhà các loại', 'Lập trình máy vi tính', 'Nhà hàng và dịch vụ ăn uống', 'Vận tải hàng hóa bằng đường bộ', 'Kinh doanh bất động sản', 'May trang phục', 'Tư vấn quản lý', 'Bán lẻ dược phẩm', 'Giáo dục mầm non'] as const;
const BUSINESS_TYPES = ['Công ty TNHH một thành viên', 'Công ty TNHH hai thành viên trở lên', 'Công ty cổ phần', 'Doanh nghiệp tư nhân'] as const;
const BRAND = ['Sài Gòn', 'Phương Nam', 'Bến Thành', 'Đại Việt', 'Hoàng Long', 'An Phát', 'Thành Công', 'Minh Khang', 'Tân Tiến', 'Gia Định', 'Hưng Thịnh', 'Việt Nhật'] as const;

export function businesses(count: number, people: Resident[], seed = 2026) {
  const r = seeded(seed);
  return Array.from({ length: count }, (_, i) => {
    const where = place(r);
    const type = pick(r, BUSINESS_TYPES);
    const industry = pick(r, INDUSTRIES);
    const adults = people.length;
    return {
      enterpriseCode: `03${pad(i * 37 + 10_000_000, 8)}`,
      name: `${type.startsWith('Công ty') ? type.replace(/ một thành viên| hai thành viên trở lên/, '') : 'Doanh nghiệp tư nhân'} ${industry.split(' ').slice(0, 2).join(' ')} ${pick(r, BRAND)} ${i}`,
      businessType: type,
      industry,
      registeredDate: date(r, 2000, 2025),
      charterCapitalVnd: int(r, 1, 500) * 100_000_000,
      district: where.district,
      ward: where.ward,
      address: where.address,
      status: r() < 0.85 ? 'Đang hoạt động' : r() < 0.6 ? 'Tạm ngừng' : 'Đã giải thể',
      legalRepresentativeId: people[int(r, 0, adults - 1)]!.citizenId,
    };
  });
}

const LAND_USES = ['Đất ở tại đô thị', 'Đất ở tại nông thôn', 'Đất trồng lúa', 'Đất trồng cây lâu năm', 'Đất thương mại, dịch vụ', 'Đất cơ sở sản xuất phi nông nghiệp', 'Đất nuôi trồng thủy sản'] as const;

export function landParcels(count: number, people: Resident[], seed = 2027) {
  const r = seeded(seed);
  return Array.from({ length: count }, (_, i) => {
    const where = place(r);
    const certified = r() < 0.9;
    const mapSheet = int(r, 1, 120);
    const parcelNumber = int(r, 1, 900);
    return {
      parcelId: `TD-${pad(i, 7)}`,
      mapSheet,
      parcelNumber,
      district: where.district,
      ward: where.ward,
      areaM2: Math.round((20 + r() * (where.district.startsWith('Huyện') ? 5000 : 400)) * 10) / 10,
      landUse: pick(r, LAND_USES),
      certificateNumber: certified ? `CS${pad(int(r, 1, 999_999), 6)}` : null,
      issuedDate: certified ? date(r, 1995, 2025) : null,
      ownerId: people[int(r, 0, people.length - 1)]!.citizenId,
    };
  });
}

const FACILITY_TYPES = [
  ['Bệnh viện đa khoa', 'Tuyến thành phố', 200, 1200],
  ['Bệnh viện chuyên khoa', 'Tuyến thành phố', 100, 800],
  ['Trung tâm y tế', 'Tuyến quận, huyện', 50, 300],
  ['Trạm y tế', 'Tuyến phường, xã', 0, 10],
  ['Phòng khám đa khoa', 'Tư nhân', 0, 30],
] as const;

export function healthFacilities(count: number, seed = 2028) {
  const r = seeded(seed);
  return Array.from({ length: count }, (_, i) => {
    const where = place(r);
    const [facilityType, level, minBeds, maxBeds] = i < 60 ? pick(r, FACILITY_TYPES.slice(0, 3)) : pick(r, FACILITY_TYPES.slice(3));
    return {
      facilityCode: `79-${pad(i + 1, 5)}`,
      name: facilityType === 'Trạm y tế' ? `Trạm y tế ${where.ward}` : `${facilityType} ${pick(r, BRAND)}${i < 60 ? '' : ` ${i}`}`,
      facilityType,
      level,
      beds: int(r, minBeds, maxBeds),
      district: where.district,
      ward: where.ward,
      address: where.address,
      phone: r() < 0.1 ? null : `028${pad(int(r, 0, 99_999_999), 8)}`,
      licensedDate: date(r, 1990, 2025),
    };
  });
}

const LEVELS = ['Mầm non', 'Tiểu học', 'Trung học cơ sở', 'Trung học phổ thông'] as const;
const SCHOOL_NAMES = ['Lê Quý Đôn', 'Nguyễn Thị Minh Khai', 'Trần Đại Nghĩa', 'Marie Curie', 'Lê Hồng Phong', 'Võ Trường Toản', 'Hoa Sen', 'Sơn Ca', 'Bông Sen', 'Kim Đồng', 'Chu Văn An', 'Nguyễn Du'] as const;

export function schools(count: number, people: Resident[], seed = 2029) {
  const r = seeded(seed);
  return Array.from({ length: count }, (_, i) => {
    const where = place(r);
    const level = pick(r, LEVELS);
    const students = level === 'Mầm non' ? int(r, 60, 600) : int(r, 300, 2500);
    return {
      schoolCode: `79${pad(i + 1, 6)}`,
      name: `Trường ${level} ${pick(r, SCHOOL_NAMES)}${i >= SCHOOL_NAMES.length ? ` ${where.ward}` : ''}`,
      level,
      ownership: r() < 0.8 ? 'Công lập' : 'Tư thục',
      district: where.district,
      ward: where.ward,
      students,
      teachers: Math.max(5, Math.round(students / int(r, 14, 25))),
      foundedYear: r() < 0.1 ? null : int(r, 1900, 2022),
      principalId: r() < 0.2 ? null : people[int(r, 0, people.length - 1)]!.citizenId,
    };
  });
}

const SCIENCE_FIELDS = ['Khoa học tự nhiên', 'Khoa học kỹ thuật và công nghệ', 'Khoa học y, dược', 'Khoa học nông nghiệp', 'Khoa học xã hội', 'Khoa học nhân văn'] as const;

export function scienceOrganizations(count: number, enterprises: { enterpriseCode: string }[], seed = 2030) {
  const r = seeded(seed);
  return Array.from({ length: count }, (_, i) => ({
    registrationNumber: `KHCN-${pad(i + 1, 5)}`,
    name: `Viện nghiên cứu ${pick(r, SCIENCE_FIELDS).toLowerCase()} ${pick(r, BRAND)} ${i + 1}`,
    field: pick(r, SCIENCE_FIELDS),
    enterpriseCode: r() < 0.4 ? enterprises[int(r, 0, enterprises.length - 1)]!.enterpriseCode : null,
    district: pick(r, DISTRICT_NAMES),
    registeredDate: date(r, 2005, 2025),
  }));
}

export function investmentProjects(count: number, seed = 2031) {
  const r = seeded(seed);
  const kinds = ['Xây dựng tuyến đường', 'Nâng cấp bệnh viện', 'Xây dựng trường học', 'Cải tạo kênh', 'Xây dựng cầu', 'Chống ngập'] as const;
  return Array.from({ length: count }, (_, i) => {
    const district = pick(r, DISTRICT_NAMES);
    return {
      projectCode: `DTC-${pad(i + 1, 4)}`,
      name: `${pick(r, kinds)} tại ${district}`,
      investor: pick(r, ['Ban Quản lý dự án giao thông', 'Ban Quản lý dự án dân dụng', `Ủy ban nhân dân ${district}`]),
      district,
      totalInvestmentVnd: int(r, 5, 5000) * 1_000_000_000,
      disbursedPercent: Math.round(r() * 1000) / 10,
      startYear: int(r, 2015, 2025),
    };
  });
}
